"""``pmo``: exit codes, summaries and error tables in the chosen language."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from i18n import t
from loaders import store
from pmo.cli import main

Rows = list[list[object]]

PROJECTS: Rows = [
    ["project_id", "name", "start_date", "end_date"],
    ["P1", "Digital customs", dt.date(2026, 1, 1), dt.date(2026, 12, 31)],
    ["P2", "Single window", "01.02.2026", "30.11.2026"],
]
RISKS: Rows = [["risk_id", "project_id", "title", "probability", "impact"], ["R1", "P1", "Vendor delay", 4, 5]]


def write_xlsx(path: Path, sheets: dict[str, Rows]) -> Path:
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PMO_LANG", raising=False)
    monkeypatch.delenv("PMO_DB", raising=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "pmo.duckdb")


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "good.xlsx", {"Проекты": PROJECTS, "risks": RISKS})


def state(db: str) -> tuple[int, int, int]:
    con = store.connect(db)
    try:
        batches = con.execute("SELECT count(*) FROM batches").fetchone()
        history = con.execute("SELECT count(*) FROM h_projects").fetchone()
        assert batches is not None and history is not None
        return store.data_version(con), int(batches[0]), int(history[0])
    finally:
        con.close()


def test_import_prints_the_summary_and_exits_0(db: str, good: Path) -> None:
    code, text = run("import", str(good), "--db", db, "--lang", "en", "--user", "aigerim")
    assert code == 0, text
    lines = text.splitlines()
    assert lines[0].split() == ["Table", "New", "Changed", "Unchanged"]
    assert lines[2].split() == ["Projects", "2", "0", "0"]
    assert lines[3].split() == ["Risks", "1", "0", "0"]
    assert "Imported as batch 1: good.xlsx." in text
    assert state(db) == (1, 1, 2)


def test_import_in_kazakh_by_default(db: str, good: Path) -> None:
    code, text = run("import", str(good), "--db", db)
    assert code == 0
    assert t("cli.imported", "kk", batch=1, files="good.xlsx") in text
    assert t("table.projects", "kk") in text


def test_import_with_an_error_exits_1_and_names_the_cell(db: str, tmp_path: Path) -> None:
    bad = [list(r) for r in PROJECTS]
    bad[2][3] = "31.02.2026"  # Excel row 3
    bad_risks = [RISKS[0], ["R1", "P9", "Vendor delay", 4, 5]]  # Excel row 2: unknown project
    f = write_xlsx(tmp_path / "bad.xlsx", {"Проекты": bad, "Риски": bad_risks})
    code, text = run("import", str(f), "--db", db, "--lang", "ru")
    assert code == 1
    assert "Загрузка остановлена: ошибок — 2. База данных не изменилась." in text
    header = next(line for line in text.splitlines() if line.startswith("Уровень"))
    assert header.split() == ["Уровень", "Файл", "Лист", "Строка", "Столбец", "Значение", "Причина"]
    rows = [line.split(maxsplit=6) for line in text.splitlines() if line.startswith("Ошибка")]
    assert [r[:6] for r in rows] == [
        ["Ошибка", "bad.xlsx", "Проекты", "3", "end_date", "31.02.2026"],
        ["Ошибка", "bad.xlsx", "Риски", "2", "project_id", "P9"],
    ]
    assert "не читается как дата" in rows[0][6]
    assert "P9" in rows[1][6] and "Проекты" in rows[1][6]
    assert state(db) == (0, 0, 0)


def test_error_table_in_english_and_kazakh(db: str, tmp_path: Path) -> None:
    bad = [list(r) for r in PROJECTS]
    bad[1][2] = "someday"
    f = write_xlsx(tmp_path / "bad.xlsx", {"projects": bad})
    code, text = run("import", str(f), "--db", db, "--lang", "en")
    assert code == 1
    assert "'someday' is not a date" in text and "Import stopped: 1 errors." in text
    code, text = run("import", str(f), "--db", db, "--lang", "kk")
    assert code == 1
    assert "«someday» күн ретінде оқылмайды" in text


def test_dry_run_writes_nothing(db: str, good: Path) -> None:
    before = state(db)
    code, text = run("import", str(good), "--db", db, "--lang", "en", "--dry-run")
    assert code == 0
    assert "Dry run: nothing was written to the database." in text
    assert "Projects" in text  # it still shows what would change
    assert state(db) == before == (0, 0, 0)


def test_reimport_says_nothing_to_import(db: str, good: Path) -> None:
    assert run("import", str(good), "--db", db, "--lang", "en")[0] == 0
    code, text = run("import", str(good), "--db", db, "--lang", "en")
    assert code == 0
    assert "was already imported as batch 1" in text and "Nothing new to import." in text
    assert state(db) == (1, 1, 2)


def test_batches_and_rollback(db: str, good: Path, tmp_path: Path) -> None:
    code, text = run("batches", "--db", db, "--lang", "en")
    assert code == 0 and "No imports yet." in text

    run("import", str(good), "--db", db, "--lang", "en", "--user", "aigerim")
    changed = [list(r) for r in PROJECTS]
    changed[1][1] = "Digital customs 2.0"
    second = write_xlsx(tmp_path / "second.xlsx", {"projects": changed})
    assert run("import", str(second), "--db", db, "--lang", "en", "--user", "dana")[0] == 0

    code, text = run("batches", "--db", db, "--lang", "en")
    assert code == 0
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["Batch", "Time"]
    assert lines[2].split()[0] == "2" and "second.xlsx" in lines[2] and "dana" in lines[2] and "applied" in lines[2]
    assert lines[3].split()[0] == "1" and "good.xlsx" in lines[3] and "aigerim" in lines[3]

    code, text = run("rollback", "1", "--db", db, "--lang", "en", "--user", "boss")
    assert code == 0
    assert "Rolled back batches: 1, 2." in text
    code, text = run("batches", "--db", db, "--lang", "ru")
    assert text.count("отменен") == 2

    code, text = run("rollback", "2", "--db", db, "--lang", "en")
    assert code == 1 and "Batch 2 is already rolled back." in text


def test_rollback_of_an_unknown_batch(db: str) -> None:
    code, text = run("rollback", "999", "--db", db, "--lang", "en")
    assert code == 1
    assert text.strip() == "There is no batch 999."
    code, text = run("rollback", "999", "--db", db, "--lang", "kk")
    assert code == 1 and "999-топтама жоқ." in text


def test_bad_mapping_profile(db: str, good: Path, tmp_path: Path) -> None:
    profile = tmp_path / "broken.toml"
    profile.write_text('name = "x"\n[[target]]\ntable = "portfolio"\n', encoding="utf-8")
    code, text = run("import", str(good), "--db", db, "--lang", "en", "--mapping", str(profile))
    assert code == 1
    assert "The mapping profile 'broken.toml' is invalid" in text and "portfolio" in text


def test_missing_file_is_a_message_not_a_traceback(db: str, tmp_path: Path) -> None:
    code, text = run("import", str(tmp_path / "nope.xlsx"), "--db", db, "--lang", "en")
    assert code == 1
    assert "Could not open the file 'nope.xlsx'" in text
    assert state(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["import", "--help"],
        ["template", "--help"],
        ["demo", "--help"],
        ["batches", "--help"],
        ["rollback", "--help"],
    ],
)
def test_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv, out=io.StringIO())
    assert exc.value.code == 0
    shown = capsys.readouterr().out
    assert "usage: pmo" in shown
    if argv[0] != "--help":
        assert "--db" in shown and "--lang" in shown


def test_help_in_the_language_of_pmo_lang(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PMO_LANG", "ru")
    with pytest.raises(SystemExit):
        main(["rollback", "--help"])
    assert t("cli.help.rollback", "ru") in " ".join(capsys.readouterr().out.split())


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["rollback", "first"], out=io.StringIO())
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["import", "x.xlsx", "--lang", "de"], out=io.StringIO())
    assert exc.value.code == 2
    capsys.readouterr()


# --------------------------------------------------------------------------------------------
# pmo report --format table: numbers, reasons and statuses in the chosen language

SNAKE_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # a raw key: high_risk_no_mitigation, days_overdue
ENGLISH_RAG = re.compile(r"\b(?:red|amber|green)\b", re.IGNORECASE)


def _report(demo_store: Path, *extra: str) -> str:
    code, text = run("report", "--db", str(demo_store), "--as-of", "2026-09-30", *extra)
    assert code == 0, text
    return text


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_report_table_writes_numbers_and_words_of_the_language(demo_store: Path, lang: str) -> None:
    text = _report(demo_store, "--format", "table", "--lang", lang)
    assert not re.search(r"\d\.\d", text), re.findall(r".{15}\d\.\d.{5}", text)
    assert not re.search(r"\d\s%", text)  # "75,5%", never "75.5 %"
    assert not SNAKE_KEY.search(text), SNAKE_KEY.findall(text)
    assert not ENGLISH_RAG.search(text), ENGLISH_RAG.findall(text)
    assert "75,5%" in _line(text, t("cli.report.absorption", lang))  # 75.504443
    assert "70%" in _line(text, t("cli.report.kpi_index", lang))
    # reasons in words with their item; RAG in words; a project without a RAG shows its stage
    p01 = _line(text, "P01 ")
    assert t("rag.amber", lang) in p01
    assert f"{t('rag_reason.activity_overdue', lang)} (P01-A05)" in p01
    assert t("enum.project_status.completed", lang) in _line(text, "P10 ")
    assert t("enum.project_status.suspended", lang) in _line(text, "P13 ")
    assert t("enum.project_status.initiation", lang) in _line(text, "P08 ")
    # the overdue table: headers and kinds from the catalog
    heads = [t(k, lang) for k in ("meeting.kind", "meeting.item", "meeting.due", "meeting.days")]
    assert any(all(h in line for h in heads) for line in text.splitlines())
    assert t("overdue_kind.risk_review", lang) in text


def test_report_table_in_english_uses_a_decimal_point(demo_store: Path) -> None:
    text = _report(demo_store, "--format", "table", "--lang", "en")
    assert "75.5%" in _line(text, t("cli.report.absorption", "en"))
    assert not re.search(r"\d,\d", text)
    assert "Completed" in _line(text, "P10 ") and "Amber" in _line(text, "P01 ")
    assert "Activity overdue (P01-A05)" in _line(text, "P01 ")
    assert not SNAKE_KEY.search(text), SNAKE_KEY.findall(text)


def test_report_json_is_the_same_in_every_language(demo_store: Path) -> None:
    """The JSON is the stable contract: codes and numbers, never translated or formatted."""
    outputs = {lang: _report(demo_store, "--format", "json", "--lang", lang) for lang in ("kk", "ru", "en")}
    assert outputs["kk"] == outputs["ru"] == outputs["en"]
    data = json.loads(outputs["kk"])
    assert data["portfolio"]["budget"]["absorption"] == 75.504443
    p10 = next(p for p in data["projects"] if p["project_id"] == "P10")
    assert (p10["status"], p10["rag_effective"]) == ("completed", None)
    p03 = next(p for p in data["projects"] if p["project_id"] == "P03")
    assert "high_risk_no_mitigation:P03-R1" in p03["rag_reasons"]
