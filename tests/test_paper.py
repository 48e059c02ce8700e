"""The Overview and the passport on paper (exports.paper): the document for the demo portfolio as of
30.09.2026 in every language, markup from the data kept as text, the PDF Chromium prints from it
(A4 landscape, every sheet stamped), ``pmo export pdf``, and the PDF button on both pages."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from exports import palette, paper
from i18n import LANGS, catalog, numbers, t
from loaders import store
from metrics import passport as pp
from metrics.report import picture
from metrics.status import decision_list
from pmo.cli import main as pmo
from tests.apptest import errors, open_page
from tests.browser import needs_chromium
from tests.hostile import HOSTILE_NAMES, HOSTILE_TEXTS, hostile_demo_store

Con = duckdb.DuckDBPyConnection
AS_OF = dt.date(2026, 9, 30)
IMPORTED = dt.datetime(2026, 10, 1, 9, 15)


def head(title: str, version: int = 7) -> paper.Stamp:
    return paper.Stamp(title, AS_OF, version, IMPORTED)


def overview_doc(con: Con, lang: str) -> str:
    return paper.document(paper.overview_body(paper.overview_of(con, AS_OF), head("O"), lang), head("O"), lang)


def passport_doc(con: Con, pid: str, lang: str) -> str:
    p = paper.passport_of(con, pid, AS_OF)
    assert p is not None
    return paper.document(paper.passport_body(p, head(f"P {pid}"), lang), head(f"P {pid}"), lang)


def text_of(document: str) -> str:
    """What a reader sees: tags dropped, entities read, runs of space one space."""
    body = document.split("<body>", 1)[1]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).replace("\u00a0", " ")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    from pmo.cli import load_demo

    path = tmp_path_factory.mktemp("paper") / "demo.duckdb"
    con = store.connect(path)
    load_demo(con)
    yield con
    con.close()


# --------------------------------------------------------------------------------------------
# The document


@pytest.mark.parametrize("lang", LANGS)
def test_the_overview_lists_every_project_and_says_as_of_when_and_from_which_data(demo: Con, lang: str) -> None:
    document = overview_doc(demo, lang)
    seen = text_of(document)
    stamp = f"{t('common.as_of_note', lang, date='30.09.2026')} · " + t(
        "paper.version", lang, version=7, when="01.10.2026 09:15"
    )
    assert stamp in seen  # under the title
    assert "@top-left {content: " in document and "counter(pages)" in document  # and on every sheet
    status = picture(demo, AS_OF).status
    table = document.split(html.escape(t("overview.table_title", lang)), 1)[1]
    for r in status.itertuples():
        assert f"<td>{html.escape(str(r.project_id))}</td>" in table  # every project in the full table
        assert html.escape(str(r.name)) in table
    # the decision list: worst first, as the page orders it, with the main reason in words
    worst = decision_list(status).iloc[0]
    first = document.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert f"{worst['project_id']} · " in first and t(f"rag.{worst['rag_effective']}", lang) in first
    assert html.escape(paper.reason(worst["main_reason"], lang)) in first
    for key in ("overview.decisions_title", "overview.table_title", "overview.timeline", "overview.kpi_index"):
        assert html.escape(t(key, lang)) in document
    assert not set(catalog()) & set(re.findall(r"[a-z_]+\.[a-z_.]+", seen))  # no raw catalog key


def test_the_overview_timeline_draws_the_as_of_line_and_what_is_late(demo: Con) -> None:
    document = overview_doc(demo, "en")
    timeline = document.split(html.escape(t("overview.timeline", "en")), 1)[1]
    live = picture(demo, AS_OF).status
    live = live[~live["cancelled"]]
    assert timeline.count('class="now"') == len(live)  # the as-of line crosses every row
    assert '<span class="asof r"' in timeline and ">30.09.2026<" in timeline
    # P06 is past its passport deadline (30.06.2026): its bar runs on, hatched, to the as-of line
    p06 = timeline.split("P06 · ", 1)[1].split("</tr>", 1)[0]
    assert 'class="late"' in p06 and f"background:{palette.COLOURS['red']}" in p06
    assert "P11 · " not in timeline  # cancelled: no bar


@pytest.mark.parametrize("lang", LANGS)
def test_the_passport_holds_every_section_and_the_plan_keeps_its_right_side(demo: Con, lang: str) -> None:
    document = passport_doc(demo, "P06", lang)
    seen = text_of(document)
    for key in (
        "passport.team_title",
        "passport.kpi_title",
        "passport.plan_title",
        "passport.risks_title",
        "passport.budget_title",
        "passport.changes_title",
        "passport.evaluation_title",
        "passport.rag_computed",
        "rag_reason.passport_overdue",
    ):
        assert t(key, lang) in seen, key
    acts = pp.activities(demo, "P06", AS_OF)
    plan = document.split(html.escape(t("passport.plan_title", lang)), 1)[1].split("<h2>", 1)[0]
    rows = plan.split("<tbody>", 1)[1].split("</tr>")
    for r in acts.to_dict("records"):
        (row,) = [x for x in rows if f"<td>{r['activity_id']}</td>" in x]
        assert html.escape(t(f"passport.state.{r['state']}", lang)) in row  # the state column
        assert 'class="now"' in row and 'class="bar"' in row  # the bar and the as-of line
        if r["state"] == "overdue":  # red, hatched up to the as-of date, with its days overdue
            assert f"background:{palette.STATES['overdue']}" in row and 'class="late"' in row
            assert f'<td class="num">{numbers.number(r["days_overdue"], lang)}</td>' in row
    assert sorted(acts.loc[acts["state"] == "overdue", "activity_id"]) == ["P06-A04", "P06-A05", "P06-A06", "P06-A07"]


def test_numbers_and_dates_are_written_in_the_language_style(demo: Con) -> None:
    ru, en = text_of(passport_doc(demo, "P06", "ru")), text_of(passport_doc(demo, "P06", "en"))
    # the financed total 1 350 000 thousand tenge: grouped by a no-break space in every language
    assert "1 350 000" in ru and "1 350 000" in en
    assert "83%" in ru and "27.08.2024" in ru  # the KPI index; the passport's approval date
    values = pd.Series([10.5])
    assert numbers.number(values.iloc[0], "ru", 2, trim=True) == "10,5"  # the helper the document uses
    assert paper._num(10.5, "ru") == "10,5" and paper._num(10.5, "en") == "10.5"
    assert paper._num(1234.5, "kk") == "1\u00a0234,5"


def test_markup_from_the_data_stays_text(tmp_path: Path) -> None:
    """The demo with markup in every text field and identifier: the documents of the Overview and
    of a passport make no element, attribute or style from it, and show it as written."""
    con = store.connect(hostile_demo_store(tmp_path / "hostile.duckdb"))
    pid = str(con.execute("SELECT project_id FROM projects WHERE project_id LIKE 'P06%'").fetchone()[0])  # type: ignore[index]
    assert pid != "P06"  # it carries a hostile suffix
    documents = [overview_doc(con, "kk"), passport_doc(con, pid, "ru")]
    documents.append(paper.passport(con, pid, AS_OF, "en") or "")
    con.close()

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: set[str] = set()
            self.attrs: set[str] = set()
            self.ids: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.add(tag)
            self.attrs |= {name for name, _ in attrs}
            self.ids += [v or "" for k, v in attrs if k == "id"]

    for document in documents:
        found = Tags()
        found.feed(document)
        assert found.tags <= {
            "html", "head", "meta", "title", "style", "body", "div", "h1", "h2", "h3", "p", "b", "span",
            "table", "colgroup", "col", "thead", "tbody", "tr", "th", "td", "ul", "li", "br",
        }, found.tags  # fmt: skip
        assert found.attrs <= {"lang", "charset", "class", "style", "colspan"}, found.attrs
        assert found.ids == []
        assert document.count("<style>") == 1 and "#f00" not in document.split("</style>", 1)[0]
        seen = text_of(document)
        assert any(text in seen for text in HOSTILE_TEXTS)  # shown, as text
        assert any(name in seen for name in HOSTILE_NAMES)
        assert "<b id=pwn-b>" not in document and "&lt;b id=pwn-b&gt;" in document
    # the passport's stamp names the hostile project in the sheets' margin: a CSS string, escaped
    margin = documents[2].split("@top-left {content: ", 1)[1].split("; font:", 1)[0]
    assert "<" not in margin and margin.count('"') == 2 and "\\3c " in margin


def test_a_css_string_cannot_end_itself_or_the_style() -> None:
    text = paper._css_string('a"b\\c</style>\n<script>&')
    assert text.startswith('"') and text.endswith('"') and '"' not in text[1:-1]
    assert "<" not in text and ">" not in text and "\n" not in text and "&" not in text
    assert paper._css_string("Жоба · P06") == '"Жоба · P06"'


def test_the_timeline_axis_labels_months_as_the_width_allows() -> None:
    axis = paper._axis(pd.Series([pd.Timestamp("2024-09-02")]), pd.Series([pd.Timestamp("2026-06-30")]), AS_OF, 48)
    ticks = axis.ticks()
    assert 2 <= len(ticks) <= axis.most + 1
    assert all(re.fullmatch(r"\d\d\.\d{4}", label) for _, label in ticks)
    assert [at for at, _ in ticks] == sorted(at for at, _ in ticks) and ticks[0][0] >= 0 and ticks[-1][0] <= 100
    narrow = paper._axis(pd.Series([pd.Timestamp("2024-09-02")]), pd.Series([pd.Timestamp("2026-06-30")]), AS_OF, 21)
    assert len(narrow.ticks()) < len(ticks)
    assert axis.at(AS_OF) > axis.at(pd.Timestamp("2026-06-30")) and axis.at("2000-01-01") == 0


def test_an_unknown_project_has_no_passport(demo: Con) -> None:
    assert paper.passport_of(demo, "NOPE", AS_OF) is None
    assert paper.passport(demo, "NOPE", AS_OF, "kk") is None


def test_the_stamp_reads_the_data_version_and_the_last_import(demo: Con) -> None:
    stamp = paper.stamp(demo, "Title", AS_OF)
    assert stamp.version == store.data_version(demo) and stamp.imported is not None
    assert stamp.text("en").startswith("Title · as of 30.09.2026 · data version ")
    empty = paper.Stamp("T", AS_OF, 0, None)
    assert empty.data("ru") == f"{t('common.as_of_note', 'ru', date='30.09.2026')} · " + t(
        "paper.no_version", "ru", version=0
    )


@pytest.mark.parametrize("lang", LANGS)
def test_without_chromium_the_reason_is_said(lang: str) -> None:
    with pytest.raises(paper.PaperError) as caught:
        paper.pdf("<p>x</p>", chromium="/nowhere/chromium")
    assert caught.value.message(lang) == t("paper.no_chromium", lang, path="/nowhere/chromium")


# --------------------------------------------------------------------------------------------
# The PDF


def pdf_text(path: Path, page: int) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode()


def pages_and_size(data: bytes, path: Path) -> tuple[int, tuple[float, float]]:
    """Page count and the first page's size in points: pdfinfo when poppler is there, else the
    PDF's own objects."""
    path.write_bytes(data)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
        w, h = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()  # type: ignore[union-attr]
        return pages, (float(w), float(h))
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert box is not None
    return len(re.findall(rb"/Type\s*/Page[^s]", data)), (float(box[1]), float(box[2]))


@needs_chromium
@pytest.mark.parametrize("lang", ["kk", "en"])
def test_the_pdfs_are_a4_landscape_stamped_on_every_sheet(demo: Con, lang: str, tmp_path: Path) -> None:
    names = picture(demo, AS_OF).status["name"]
    for kind, document in (
        ("overview", paper.overview(demo, AS_OF, lang)),
        ("passport", paper.passport(demo, "P06", AS_OF, lang)),
    ):
        assert document is not None
        data = paper.pdf(document)
        assert data.startswith(b"%PDF-")
        path = tmp_path / f"{kind}_{lang}.pdf"
        pages, (width, height) = pages_and_size(data, path)
        assert round(width) == 842 and round(height) == 595 and pages >= 2  # A4 landscape
        if not shutil.which("pdftotext"):
            continue
        stamp = t("common.as_of_note", lang, date="30.09.2026")
        texts = [re.sub(r"\s+", " ", pdf_text(path, n)) for n in range(1, pages + 1)]
        for n, text in enumerate(texts, start=1):
            assert stamp in text and re.search(rf"\b{n} ?/ ?{pages}\b", text)  # the stamp and number on every sheet
        everything = " ".join(texts)
        if kind == "overview":
            assert all(name.split()[0] in everything for name in names)
        else:
            assert t("passport.days_late", lang).split()[-1] in everything  # the plan's last column
            assert "P06-A07" in everything and "30.09.2026" in everything


# --------------------------------------------------------------------------------------------
# The command line


def test_pmo_export_pdf_says_what_it_needs(demo_db: Path) -> None:
    out = io.StringIO()
    assert pmo(["export", "pdf", "--lang", "en", "x.pdf"], out=out) == 2
    assert t("cli.export.pdf.needs_page", "en") in out.getvalue()
    assert pmo(["export", "pdf", "--page", "passport", "--lang", "ru", "x.pdf"], out=out) == 2
    assert t("cli.export.pdf.needs_project", "ru") in out.getvalue()
    assert pmo(["export", "pptx", "--lang", "kk", "x.pptx"], out=out) == 2
    assert t("cli.export.pdf.needs_quarter", "kk", format="pptx") in out.getvalue()


@needs_chromium
def test_pmo_export_pdf_writes_the_passport_and_audits_it(demo_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "p06.pdf"
    args = ["export", "pdf", "--page", "passport", "--project", "P06", "--as-of", "2026-09-30", "--lang", "ru"]
    assert pmo([*args, str(target)]) == 0
    assert target.read_bytes().startswith(b"%PDF-")
    assert pmo(["export", "pdf", "--page", "passport", "--project", "NOPE", str(tmp_path / "n.pdf")]) == 1
    assert not (tmp_path / "n.pdf").exists()
    con = store.connect(demo_db)
    rows = con.execute("SELECT detail FROM audit WHERE action = 'export' AND target = 'pdf'").fetchall()
    con.close()
    assert len(rows) == 1 and '"project": "P06"' in rows[0][0] and '"lang": "ru"' in rows[0][0]


# --------------------------------------------------------------------------------------------
# The pages


@pytest.mark.parametrize("page", ["overview", "passport"])
def test_both_pages_have_the_pdf_button_and_the_sheets_to_print(demo_db: Path, page: str) -> None:
    at = open_page(page, lang="ru", pid="P06")
    assert errors(at) == []
    (button,) = [b for b in at.get("download_button") if b.proto.label == t("paper.pdf", "ru")]
    assert not button.proto.disabled and button.proto.help == t("paper.pdf_help", "ru")
    (sheets,) = [h.value for h in at.html if 'data-testid="pmo-paper"' in h.value]
    assert "@media screen" in sheets and "display: none" in sheets  # hidden on screen
    assert "size: A4 landscape" in sheets and t("common.as_of_note", "ru", date="30.09.2026") in sheets
    assert ("P06 · " in sheets) and (t("passport.plan_title", "ru") in sheets if page == "passport" else True)


def test_without_chromium_the_button_is_off_and_says_why(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paper, "CHROMIUM", "/nowhere/chromium")
    at = open_page("overview", lang="en")
    assert errors(at) == []
    (button,) = [b for b in at.get("download_button") if b.proto.label == t("paper.pdf", "en")]
    assert button.proto.disabled
    assert t("paper.no_chromium", "en", path="/nowhere/chromium") in [c.value for c in at.caption]
