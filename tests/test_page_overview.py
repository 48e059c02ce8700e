"""The curator's Overview page (AppTest, demo portfolio as of 2026-09-30)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

from exports.palette import SHAPES
from i18n import catalog, numbers, t
from loaders import store
from metrics.common import Filters
from metrics.report import headline, picture
from metrics.status import decision_list
from tests.apptest import errors, open_page, select
from tests.foreign import rate

CARD = re.compile(
    r'<div class="pmo-card" title="([^"]*)" data-testid="pmo-card"><div class="l">(.*?)</div>'
    r'<div class="v">(.*?)</div><div class="d (\w+)">(.*?)</div></div>'
)
ROW = re.compile(
    r'<tr data-testid="pmo-decision" data-pid="([^"]+)"><td class="s"><span class="pmo-rag pmo-rag-(\w+)">.*?</span>'
    r'.*?<a href="([^"]+)".*?</td><td class="k">(.*?)</td><td class="r">(.*?)</tr>'
)


def page_html(at: Any) -> str:
    return "".join(h.value for h in at.html)


def cards(at: Any) -> dict[str, str]:
    """The headline strip: label → value, as read."""
    return {html.unescape(m[1]): html.unescape(m[2]) for m in CARD.findall(page_html(at))}


def card_deltas(at: Any) -> dict[str, tuple[str, str]]:
    """label → (the change since the last quarter end, good/bad/flat)."""
    return {html.unescape(m[1]): (html.unescape(m[4]), m[3]) for m in CARD.findall(page_html(at))}


def decisions(at: Any) -> list[tuple[str, str, str, str, str]]:
    """The decision list's rows: project, RAG, link, KPI index, reason cell (as read)."""
    return [
        (p, r, html.unescape(a), html.unescape(k), re.sub("<[^>]+>", "", html.unescape(c)))
        for p, r, a, k, c in ROW.findall(page_html(at))
    ]


def test_headline_numbers_match_the_metrics(demo_db: Path) -> None:
    at = open_page("overview", lang="en")
    assert errors(at) == []
    con = store.connect(demo_db)
    now = headline(picture(con, dt.date(2026, 9, 30)))
    before = headline(picture(con, dt.date(2026, 6, 30)))
    shown = cards(at)
    assert shown[t("overview.kpi_index", "en")] == numbers.percent(now["kpi_index"], "en") == "70%"
    # only projects in planning or execution are counted, and only they have a RAG
    assert shown[t("overview.projects", "en")] == str(now["active_projects"]) == "8"
    assert [
        shown[f"{shape} {t(f'overview.{k}', 'en')}"] for shape, k in (("■", "red"), ("▲", "amber"), ("●", "green"))
    ] == [
        "3",
        "3",
        "2",
    ]
    assert sum(now["rag"].values()) == now["active_projects"]
    assert shown[t("overview.overdue", "en")] == str(now["overdue_items"]) == "27"  # 3 of them roadmap steps
    assert shown[t("overview.high_risks", "en")] == str(now["open_high_risks"])
    deltas = card_deltas(at)
    change = now["overdue_items"] - before["overdue_items"]
    text, tone = deltas[t("overview.overdue", "en")]
    assert text == (f"+{change}" if change > 0 else f"−{-change}") and tone == ("bad" if change > 0 else "good")
    table = at.dataframe[0].value
    assert len(table) == now["projects"] == 13
    row = table[table[t("col.projects.project_id", "en")] == "P06"].iloc[0]
    assert row[t("overview.effective", "en")] == "■ " + t("rag.red", "en")
    assert t("rag_reason.passport_overdue", "en") in row[t("overview.main_reason", "en")]


def test_the_decision_list_puts_the_worst_first_with_the_reason_in_words(demo_db: Path) -> None:
    at = open_page("overview", lang="ru")
    assert errors(at) == []
    status = picture(store.connect(demo_db), dt.date(2026, 9, 30)).status
    expected = decision_list(status)
    rows = decisions(at)
    assert [r[0] for r in rows] == list(expected["project_id"])[:10]
    assert [r[1] for r in rows[:3]] == ["red", "red", "red"] and {r[1] for r in rows} <= {"red", "amber", "green"}
    first = expected.iloc[0]
    pid, _, link, kpi_text, reason = rows[0]
    assert kpi_text == numbers.percent(first["kpi_index"], "ru")
    assert reason.startswith(t(f"rag_reason.{first['main_reason'].split(':')[0]}", "ru").split("{")[0].strip())
    assert link.startswith("passport?") and f"pid={pid}" in link and "lang=ru" in link and "as_of=2026-09-30" in link
    # the projects no RAG applies to are not in the list
    assert not {r[0] for r in rows} & set(status.loc[~status["live"], "project_id"])


def expected_ids(path: Path, program: str) -> list[str]:
    status = picture(store.connect(path), dt.date(2026, 9, 30), Filters(program=program)).status
    return list(status["project_id"])


def test_a_filter_and_the_language_change_what_is_shown(demo_db: Path) -> None:
    at = open_page("overview")
    program = "Кедендік әкімшілендіруді жаңғырту"
    select(at, "pmo_program").set_value(program).run()
    assert errors(at) == []
    expected = headline(picture(store.connect(demo_db), dt.date(2026, 9, 30), Filters(program=program)))
    assert cards(at)[t("overview.projects", "kk")] == str(expected["active_projects"])
    assert {r[0] for r in decisions(at)} <= set(expected_ids(demo_db, program))
    assert set(at.dataframe[0].value[t("col.projects.program", "kk")]) == {program}
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert at.title[0].value == t("page.overview", "ru")
    assert "■ " + t("overview.red", "ru") in cards(at)
    assert at.query_params["lang"] in ("ru", ["ru"])  # kept in the URL


def test_the_view_survives_a_page_switch(demo_db: Path) -> None:
    at = open_page("overview")
    at.selectbox(key="pmo_lang").set_value("ru").run()
    at.switch_page("pages/passport.py")
    at.query_params["pid"] = "P06"
    at.run()
    assert errors(at) == []
    assert at.title[0].value == t("page.passport", "ru")
    assert at.caption[0].value.startswith(t("common.as_of_note", "ru", date="30.09.2026"))


def test_no_raw_catalog_key_is_shown(demo_db: Path) -> None:
    at = open_page("overview")
    keys = set(catalog())
    shown = list(cards(at)) + list(cards(at).values()) + [c.value for c in at.caption] + [s.value for s in at.subheader]
    shown += [r[4] for r in decisions(at)]
    shown += list(at.dataframe[0].value.columns)
    assert not keys & set(shown)


def test_empty_database(empty_db: Path) -> None:
    at = open_page("overview", lang="ru")
    assert errors(at) == []
    assert at.info[0].value.startswith("**" + t("common.empty_title", "ru"))


def test_a_source_rating_is_a_column_beside_the_computed_status(demo_db: Path) -> None:
    rating = t("col.projects.reported_rag", "en")
    at = open_page("overview", lang="en")
    assert rating not in at.dataframe[0].value.columns  # no project has one: no empty column
    before = picture(store.connect(demo_db), dt.date(2026, 9, 30)).status
    rate(demo_db, {"P06": "Amber/Green", "P02": "Red"})
    after = picture(store.connect(demo_db), dt.date(2026, 9, 30)).status
    assert after["reported_rag"].tolist() == [None, "Red", *[None] * 3, "Amber/Green", *[None] * 7]
    columns = ["project_id", "rag", "rag_effective", "rag_reasons", "kpi_index"]
    assert after[columns].equals(before[columns])  # the source's rating never changes ours

    at = open_page("overview", lang="en")
    assert errors(at) == []
    table = at.dataframe[0].value
    headers = list(table.columns)
    assert headers.index(rating) == headers.index(t("overview.effective", "en")) + 1
    rows = table.set_index(t("col.projects.project_id", "en"))
    assert rows.loc["P06", rating] == "Amber/Green"
    assert rows.loc["P06", t("overview.effective", "en")] == "■ " + t("rag.red", "en")  # still computed
    assert rows.loc["P02", rating] == "Red"
    ours = str(before.set_index("project_id").loc["P02", "rag_effective"])
    assert rows.loc["P02", t("overview.effective", "en")] == f"{SHAPES[ours]} {t(f'rag.{ours}', 'en')}"


def _gantt(at: Any) -> list[Any]:
    return [c for c in at.get("plotly_chart") if c.proto.id.endswith("overview_gantt")]


def test_a_small_portfolio_shows_its_timeline_at_once(demo_db: Path) -> None:
    at = open_page("overview")
    assert not errors(at)
    assert at.toggle(key="overview_timeline_shown").value is True
    assert len(_gantt(at)) == 1


def test_a_large_portfolio_draws_its_timeline_on_request(demo_db: Path, monkeypatch: Any) -> None:
    """Above ``TIMELINE_OPEN_MAX`` live projects the timeline waits for the toggle: the first
    screen does not pay for a chart far below it; the toggle says how many bars it holds."""
    from ui import overview_view

    monkeypatch.setattr(overview_view, "TIMELINE_OPEN_MAX", 3)
    at = open_page("overview", lang="en")
    toggle = at.toggle(key="overview_timeline_shown")
    assert toggle.value is False and not _gantt(at)
    with store.session(demo_db, read_only=True) as con:
        live = int((~picture(con, dt.date(2026, 9, 30), Filters()).status["cancelled"]).sum())
    assert toggle.label == t("overview.timeline_show", "en", count=numbers.number(live, "en"))
    toggle.set_value(True).run()
    assert not errors(at) and len(_gantt(at)) == 1
