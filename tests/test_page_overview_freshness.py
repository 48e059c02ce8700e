"""The Overview's projects with stale data (AppTest): the flag, the coordinator's list with the
project managers and what is missing, in Kazakh and Russian, and its Excel download."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from loaders import store
from metrics import settings as settings_mod
from tests.apptest import errors, open_page
from tests.builders import D, as_user, project, roll_back, upload

T = dt.datetime
ITEM = re.compile(r'<li data-testid="pmo-stale" data-pid="([^"]+)">(.*?)</li>')


def stale_list(at: AppTest) -> dict[str, str]:
    """project → its line in the list, as read."""
    page = "".join(h.value for h in at.html)
    return {pid: html.unescape(re.sub("<[^>]+>", "", body)) for pid, body in ITEM.findall(page)}


@pytest.fixture(scope="module")
def stale_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """As of 20.10.2026: P1 lacks its indicator's value for 30.09.2026; P2's risks date from
    1 March (their change of 1 August was rolled back); P3 has no risk and no manager; P4 is
    up to date."""
    path = tmp_path_factory.mktemp("fresh") / "f.duckdb"
    con = store.connect(path)
    activities = [
        {"activity_id": f"A{n}", "project_id": f"P{n}", "name": "Plan", "planned_end": D(2026, 12, 1)} for n in (1, 2)
    ]
    risks = [
        {"risk_id": f"R{n}", "project_id": f"P{n}", "title": "Risk", "probability": 2, "impact": 2} for n in (1, 2)
    ]
    upload(
        con,
        {
            "projects": [project("P1"), project("P2"), project("P3", project_manager=None)],
            "activities": activities,
            "risks": risks,
            "indicators": [
                {
                    "indicator_id": "I1",
                    "project_id": "P1",
                    "name": "x",
                    "baseline": 0,
                    "target": 9,
                    "deadline": D(2026, 12, 31),
                }
            ],
            "indicator_values": [{"indicator_id": "I1", "period_end": D(2026, 6, 30), "actual": 1}],
        },
        at=T(2026, 3, 1, 9),
    )
    upload(con, {"risks": [{**risks[1], "probability": 4}]}, at=T(2026, 8, 1, 9))
    roll_back(con, 2, at=T(2026, 8, 2, 9))
    upload(
        con,
        {
            "projects": [project("P4")],
            "activities": [{**a, "percent_complete": 10} for a in activities]
            + [{"activity_id": "A4", "project_id": "P4", "name": "Plan", "planned_end": D(2026, 12, 1)}],
            "risks": [
                {**risks[0], "impact": 3},
                {"risk_id": "R4", "project_id": "P4", "title": "R", "probability": 1, "impact": 1},
            ],
        },
        at=T(2026, 10, 5, 9),
    )
    con.close()
    return path


@pytest.fixture
def stale_db(tmp_path: Path, stale_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "f.duckdb"
    shutil.copyfile(stale_store, path)
    monkeypatch.setenv("PMO_DB", str(path))
    return path


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_stale_projects_with_their_managers_and_what_is_missing(stale_db: Path, lang: str) -> None:
    at = open_page("overview", lang=lang, as_of="2026-10-20")
    assert errors(at) == []
    assert t("freshness.flag", lang, count=3) in [e.label for e in at.expander]
    assert t("freshness.rule", lang, date="30.09.2026", days=92) in [c.value for c in at.caption]
    listed = stale_list(at)
    assert list(listed) == ["P1", "P2", "P3"]  # P4 is up to date
    manager = t("freshness.manager", lang, name="PM P1")
    assert listed["P1"] == (
        f"P1 · Project P1 ({manager}) — {t('freshness.reason.values_missing', lang, date='30.09.2026', ids='I1')}"
    )
    risks = t("freshness.reason.risks_stale", lang, date="01.03.2026", days=233)
    assert listed["P2"] == f"P2 · Project P2 ({t('freshness.manager', lang, name='PM P2')}) — {risks}"
    nobody, never = t("freshness.no_manager", lang), t("freshness.reason.risks_never", lang, days=233)
    no_plan = t("freshness.reason.activities_never", lang, days=233)
    assert listed["P3"] == f"P3 · Project P3 ({nobody}) — {no_plan}; {never}"
    assert any(b.key == "dl_overview_stale" for b in at.download_button)
    assert at.dataframe[0].value.shape[0] == 4  # the projects table stays the page's first grid


def test_the_threshold_from_the_settings_changes_the_list(stale_db: Path) -> None:
    con = store.connect(stale_db)
    settings_mod.set_value(con, "data_stale_days", 300, as_user("admin"))
    con.close()
    at = open_page("overview", lang="en", as_of="2026-10-20")
    assert errors(at) == []
    assert list(stale_list(at)) == ["P1"]
    assert t("freshness.rule", "en", date="30.09.2026", days=300) in [c.value for c in at.caption]


def test_the_demo_lists_the_indicators_without_a_value_for_the_quarter(demo_db: Path) -> None:
    at = open_page("overview", lang="kk")
    assert errors(at) == []
    assert t("freshness.flag", "kk", count=2) in [e.label for e in at.expander]
    listed = stale_list(at)
    assert list(listed) == ["P02", "P04"]
    assert listed["P02"].endswith(t("freshness.reason.values_missing", "kk", date="30.09.2026", ids="P02-KPI2"))
    assert listed["P04"].endswith(t("freshness.reason.values_missing", "kk", date="30.09.2026", ids="P04-TI1"))
