"""The curator's Overview page (AppTest, demo portfolio as of 2026-09-30)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from i18n import catalog, t
from loaders import store
from metrics.common import Filters
from metrics.report import headline, picture
from tests.apptest import errors, open_page


def cards(at: object) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}  # type: ignore[attr-defined]


def test_headline_numbers_match_the_metrics(demo_db: Path) -> None:
    at = open_page("overview", lang="en")
    assert errors(at) == []
    con = store.connect(demo_db)
    now = headline(picture(con, dt.date(2026, 9, 30)))
    before = headline(picture(con, dt.date(2026, 6, 30)))
    shown = cards(at)
    assert shown[t("overview.kpi_index", "en")] == f"{now['kpi_index'] * 100:.0f}%"
    assert shown[t("overview.projects", "en")] == str(now["active_projects"]) == "12"
    assert shown[t("overview.red", "en")] == str(now["rag"]["red"])
    assert shown[t("overview.overdue", "en")] == str(now["overdue_items"])
    assert shown[t("overview.high_risks", "en")] == str(now["open_high_risks"])
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas[t("overview.overdue", "en")].startswith(f"{now['overdue_items'] - before['overdue_items']:+d}")
    table = at.dataframe[0].value
    assert len(table) == now["projects"] == 13
    row = table[table[t("col.projects.project_id", "en")] == "P06"].iloc[0]
    assert row[t("overview.effective", "en")].endswith(t("rag.red", "en"))
    assert t("rag_reason.passport_overdue", "en") in row[t("overview.reasons", "en")]


def test_a_filter_and_the_language_change_what_is_shown(demo_db: Path) -> None:
    at = open_page("overview")
    program = "Кедендік әкімшілендіруді жаңғырту"
    at.selectbox(key="pmo_program").set_value(program).run()
    assert errors(at) == []
    expected = headline(picture(store.connect(demo_db), dt.date(2026, 9, 30), Filters(program=program)))
    assert cards(at)[t("overview.projects", "kk")] == str(expected["active_projects"])
    assert set(at.dataframe[0].value[t("col.projects.program", "kk")]) == {program}
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert at.title[0].value == t("page.overview", "ru")
    assert t("overview.red", "ru") in cards(at)
    assert at.query_params["lang"] in ("ru", ["ru"])  # kept in the URL


def test_the_view_survives_a_page_switch(demo_db: Path) -> None:
    at = open_page("overview")
    at.selectbox(key="pmo_lang").set_value("ru").run()
    at.switch_page("pages/passport.py")
    at.query_params["pid"] = "P06"
    at.run()
    assert errors(at) == []
    assert at.title[0].value == t("page.passport", "ru")
    assert at.caption[0].value == t("common.as_of_note", "ru", date="30.09.2026")


def test_no_raw_catalog_key_is_shown(demo_db: Path) -> None:
    at = open_page("overview")
    keys = set(catalog())
    shown = [m.label for m in at.metric] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    shown += list(at.dataframe[0].value.columns)
    assert not keys & set(shown)


def test_empty_database(empty_db: Path) -> None:
    at = open_page("overview", lang="ru")
    assert errors(at) == []
    assert at.info[0].value.startswith("**" + t("common.empty_title", "ru"))
