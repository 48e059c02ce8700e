"""The roadmaps page (DOMAIN §4.8; Decree 881) under AppTest: two roadmaps whose deadlines are
worked out by hand on the Kazakhstan calendar, in three languages, against the metric."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from i18n import LANGS, numbers, t
from loaders import store
from metrics.roadmaps import roadmap_picture
from tests.apptest import errors, open_page, plain, select
from tests.builders import D, make_store, project

AS_OF = dt.date(2026, 9, 30)

#: RM-A (Ministry of Finance, program Tax through P1): submitted Thu 12.03.2026, agreed Wed 01.04
#: (§24 due 31.03 across Nauryz: 1 working day late); approved Fri 08.05, published 12–13.05 (§25
#: due 14.05: on time); team formed Tue 26.05 (§37 due Mon 25.05: 1 late); notice never posted
#: (§38 due 29.05, Wed 27.05 is Kurban ait: overdue); schedule on 03.06 (§39 due 03.06: on time);
#: the H2 2026 evaluation (§34) due 31.12.2026 is the next step. Change C1 on ground 6, approved
#: Thu 10.09.2026 within six months of 08.05.2026 (allowed from 09.11.2026: §51.6), reviewed in
#: time (submitted 01.09, agreed 07.09, §24 due 15.09) but not published (§25 due Tue 15.09: 11
#: working days over on 30.09).
#: RM-B (Ministry of Trade, program Customs through P2): submitted Tue 01.09.2026 and unanswered
#: (§24 due 15.09: 16.09–30.09 is 11 working days over).
EVENTS = [
    ("RM-A", "submitted", D(2026, 3, 12), None),
    ("RM-A", "agreed", D(2026, 4, 1), None),
    ("RM-A", "approved", D(2026, 5, 8), None),
    ("RM-A", "published_portal", D(2026, 5, 12), None),
    ("RM-A", "published_site", D(2026, 5, 12), None),
    ("RM-A", "published_pmis", D(2026, 5, 13), None),
    ("RM-A", "team_formed", D(2026, 5, 26), None),
    ("RM-A", "schedule_drafted", D(2026, 6, 3), None),
    ("RM-A", "submitted", D(2026, 9, 1), "C1"),
    ("RM-A", "agreed", D(2026, 9, 7), "C1"),
    ("RM-A", "approved", D(2026, 9, 10), "C1"),
    ("RM-B", "submitted", D(2026, 9, 1), None),
]


def roadmap_tables() -> dict[str, list[dict[str, object]]]:
    def roadmap(rid: str, agency: str, name: str, deputy: str) -> dict[str, object]:
        return {
            "roadmap_id": rid,
            "agency": agency,
            "name": name,
            "period_from": 2026,
            "period_to": 2028,
            "version": "1",
            "deputy_head": deputy,
        }

    def indicator(n: int, direction: str, criterion: str | None) -> dict[str, object]:
        return {
            "indicator_id": f"I{n}",
            "project_id": "P1",
            "name": f"Indicator {n}",
            "baseline": 0,
            "target": 10,
            "deadline": D(2026, 12, 31),
            "direction_id": direction,
            "criterion": criterion,
        }

    return {
        "projects": [project("P1"), project("P2", program="Customs"), project("P3", program="Health")],
        "roadmaps": [
            roadmap("RM-A", "Ministry of Finance", "Digital finance", "A. Deputy"),
            roadmap("RM-B", "Ministry of Trade", "Digital trade", "B. Deputy"),
        ],
        "roadmap_directions": [
            {
                "direction_id": "D-A1",
                "roadmap_id": "RM-A",
                "name": "Data",
                "project_id": "P1",
                "financed": 1000,
                "additional_funding": 500,
            },
            {"direction_id": "D-A2", "roadmap_id": "RM-A", "name": "Services", "financed": 300},
            {
                "direction_id": "D-B1",
                "roadmap_id": "RM-B",
                "name": "Customs",
                "project_id": "P2",
                "financed": 2000,
                "additional_funding": 250,
            },
        ],
        "roadmap_changes": [{"change_id": "C1", "roadmap_id": "RM-A", "ground": "6", "description": "Scope"}],
        "roadmap_events": [{"roadmap_id": r, "kind": k, "event_date": d, "change_id": c} for r, k, d, c in EVENTS],
        "indicators": [
            indicator(1, "D-A1", "citizen_satisfaction"),
            indicator(2, "D-A1", "transparency"),
            indicator(3, "D-A2", None),
        ],
    }


@pytest.fixture(scope="module")
def roadmaps_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roadmaps") / "roadmaps.duckdb"
    make_store(path, roadmap_tables()).close()
    return path


@pytest.fixture
def roadmaps_db(roadmaps_store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PMO_DB", str(roadmaps_store))
    yield roadmaps_store


@pytest.fixture
def projects_only_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "projects.duckdb"
    make_store(path, {"projects": [project("P1")]}).close()
    monkeypatch.setenv("PMO_DB", str(path))
    return path


def picture(db: Path) -> Any:
    con = store.connect(db)
    try:
        return roadmap_picture(con, AS_OF)
    finally:
        con.close()


def table_with(at: AppTest, header_key: str, lang: str = "kk") -> pd.DataFrame:
    """The first table on the page whose columns include the header of ``header_key``."""
    header = t(header_key, lang)
    found = [d.value for d in at.dataframe if header in d.value.columns]
    assert found, f"no table with column {header!r}"
    return found[0]


def metric(at: AppTest, key: str, lang: str = "kk") -> str:
    return str(next(m.value for m in at.metric if m.label == t(key, lang)))


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def state(key: str, lang: str) -> str:
    shapes = {"overdue": "■", "late": "▲", "due": "○", "on_time": "●", "no_term_open": "◇", "no_term_done": "◆"}
    return f"{shapes[key]} {t(f'roadmaps.state.{key}', lang)}"


def test_the_cards_count_the_steps_and_the_money(roadmaps_db: Path) -> None:
    at = open_page("roadmaps")
    assert errors(at) == []
    assert metric(at, "roadmaps.total") == "2"
    assert metric(at, "roadmaps.overdue") == "3"  # RM-A: notice, C1's publication; RM-B: review
    assert metric(at, "roadmaps.late") == "2"  # RM-A: review, team
    assert metric(at, "roadmaps.violations") == "1"
    assert metric(at, "roadmaps.financed") == numbers.money(3300, "kk") == "3\u00a0300"
    assert metric(at, "roadmaps.additional") == "750"
    assert metric(at, "roadmaps.additional_share") == "19%"  # 750 of 4 050
    assert metric(at, "roadmaps.directions") == "3"


def test_worst_roadmap_first_and_the_roll_up_by_state_body(roadmaps_db: Path) -> None:
    at = open_page("roadmaps")
    listed = table_with(at, "roadmaps.col_next_step")
    assert listed[t("col.roadmaps.roadmap_id", "kk")].tolist() == ["RM-A", "RM-B"]
    assert listed[t("roadmaps.col_overdue", "kk")].tolist() == [2, 1]
    assert listed[t("roadmaps.col_next_step", "kk")].tolist()[0] == t("roadmaps.step.evaluation", "kk")
    bodies = table_with(at, "roadmaps.col_roadmaps").set_index(t("col.roadmaps.agency", "kk"))
    assert bodies.loc["Ministry of Finance", t("roadmaps.col_late", "kk")] == 2
    assert bodies.loc["Ministry of Trade", t("roadmaps.col_overdue", "kk")] == 1
    assert bodies.loc["Ministry of Trade", t("roadmaps.financed", "kk")] == 2000
    assert [s.value for s in at.selectbox if s.label == t("roadmaps.pick", "kk")] == ["RM-A"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_steps_of_the_worst_roadmap_in_words(roadmaps_db: Path, lang: str) -> None:
    at = open_page("roadmaps", lang=lang)
    assert errors(at) == []
    steps = table_with(at, "roadmaps.col_state", lang)
    name, shown = t("roadmaps.col_step", lang), t("roadmaps.col_state", lang)
    original = steps[steps[t("col.roadmap_events.change_id", lang)].isna()]
    by_step = dict(zip(original[name], original[shown], strict=True))
    assert by_step[t("roadmaps.step.review", lang)] == state("late", lang)
    assert by_step[t("roadmaps.step.approval", lang)] == state("no_term_done", lang)
    assert by_step[t("roadmaps.step.publication", lang)] == state("on_time", lang)
    assert by_step[t("roadmaps.step.team", lang)] == state("late", lang)
    assert by_step[t("roadmaps.step.notice", lang)] == state("overdue", lang)
    assert by_step[t("roadmaps.step.schedule", lang)] == state("on_time", lang)
    half = t("roadmaps.half_year", lang, year=2026, half=2)
    assert by_step[f"{t('roadmaps.step.evaluation', lang)} · {half}"] == state("due", lang)
    # the change's own clocks (§52): its publication is overdue
    change = steps[steps[t("col.roadmap_events.change_id", lang)] == "C1"]
    assert change[shown].tolist() == [state("on_time", lang), state("no_term_done", lang), state("overdue", lang)]
    # the working days against the metric's (and by hand: the review and the team one day late)
    want = picture(roadmaps_db).steps
    want = want[want["roadmap_id"] == "RM-A"]
    assert steps[t("roadmaps.col_late_days", lang)].tolist() == want["working_days_late"].tolist()
    assert steps[t("roadmaps.col_late_days", lang)].tolist()[:4] == [1, pd.NA, pd.NA, 1]
    assert steps[t("roadmaps.col_due", lang)].tolist()[0] == pd.Timestamp(2026, 3, 31)
    assert any(b.label == t("common.download_xlsx", lang) for b in at.download_button)


@pytest.mark.parametrize("lang", LANGS)
def test_the_next_step_the_overdue_ones_and_the_violation_in_words(roadmaps_db: Path, lang: str) -> None:
    at = open_page("roadmaps", lang=lang)
    said = [plain(m.value) for m in at.markdown]
    evaluation = t("roadmaps.step.evaluation", lang)
    assert t("roadmaps.next", lang, step=f"**{evaluation}**", date="31.12.2026") in said
    overdue = next(s for s in said if s.startswith(f"**{t('roadmaps.overdue_list', lang, count=2)}**"))
    assert t("roadmaps.step.notice", lang) in overdue and "29.05.2026" in overdue
    publication = t("roadmaps.of_change", lang, step=t("roadmaps.step.publication", lang), change="C1")
    assert t("roadmaps.overdue_item", lang, step=publication, due="15.09.2026", days=11) in overdue
    (warning,) = [plain(w.value) for w in at.warning if "C1" in w.value]
    assert warning == t(
        "roadmaps.violation",
        lang,
        change="**C1**",
        approved="10.09.2026",
        previous="08.05.2026",
        what=t("roadmaps.original", lang),
        allowed="09.11.2026",
    )
    listed = table_with(at, "roadmaps.col_allowed_from", lang)
    assert listed[t("col.roadmap_changes.change_id", lang)].tolist() == ["C1"]
    assert listed[t("roadmaps.col_allowed_from", lang)].tolist() == [pd.Timestamp(2026, 11, 9)]


def test_the_timeline_draws_each_step_with_its_state_and_deadline(roadmaps_db: Path) -> None:
    at = open_page("roadmaps", lang="ru")
    timeline, criteria = figures(at)
    traces = {tr.get("name"): tr for tr in timeline["data"]}
    assert set(traces) == {state(k, "ru") for k in ("overdue", "late", "due", "on_time", "no_term_done")} | {
        t("roadmaps.deadline", "ru")
    }
    overdue = traces[state("overdue", "ru")]
    assert overdue["marker"]["pattern"]["shape"] == "x"  # hatched as well as red
    assert overdue["text"][-1].startswith("■ +11")
    deadlines = traces[t("roadmaps.deadline", "ru")]
    assert len(deadlines["x"]) == 8  # ten steps but the two approvals by the head (no term)
    assert any("30.09.2026" in a["text"] for a in timeline["layout"]["annotations"])
    # §19: one indicator of three on each of two criteria, one tied to none (listed last)
    assert criteria["data"][0]["text"] == ["33% (1)", "0% (0)", "33% (1)", "0% (0)", "0% (0)", "33% (1)"]
    assert criteria["data"][0]["y"][-1] == t("roadmaps.criterion_none", "ru")


def test_another_roadmap_and_its_directions(roadmaps_db: Path) -> None:
    at = open_page("roadmaps")
    select(at, "roadmaps_pick").set_value("RM-B").run()
    assert errors(at) == []
    steps = table_with(at, "roadmaps.col_state")
    assert steps[t("roadmaps.col_state", "kk")].tolist() == [state("overdue", "kk")]
    assert steps[t("roadmaps.col_late_days", "kk")].tolist() == [11]
    assert t("roadmaps.next_none", "kk") in [m.value for m in at.markdown]
    assert t("roadmaps.violations_none", "kk") in [c.value for c in at.caption]
    directions = table_with(at, "roadmaps.col_share")
    assert directions[t("col.roadmap_directions.direction_id", "kk")].tolist() == ["D-B1"]
    assert directions[t("roadmaps.col_share", "kk")].tolist() == [pytest.approx(100 / 9)]  # 250 of 2 250, in %


def test_every_roadmaps_steps_on_request(roadmaps_db: Path) -> None:
    at = open_page("roadmaps", lang="en")
    assert not [d for d in at.dataframe if t("col.roadmaps.deputy_head", "en") in d.value.columns]
    at.toggle(key="roadmaps_all_steps").set_value(True).run()
    assert errors(at) == []
    every = table_with(at, "col.roadmaps.deputy_head", "en")
    assert every[t("col.roadmaps.roadmap_id", "en")].value_counts().to_dict() == {"RM-A": 10, "RM-B": 1}
    assert set(every[t("col.roadmaps.deputy_head", "en")]) == {"A. Deputy", "B. Deputy"}


def test_the_program_filter_narrows_the_roadmaps(roadmaps_db: Path) -> None:
    at = open_page("roadmaps", program="Customs")
    assert errors(at) == []
    assert metric(at, "roadmaps.total") == "1"
    assert metric(at, "roadmaps.violations") == "0"
    assert table_with(at, "roadmaps.col_overdue")[t("col.roadmaps.roadmap_id", "kk")].tolist() == ["RM-B"]
    assert [s.value for s in at.selectbox if s.label == t("roadmaps.pick", "kk")] == ["RM-B"]
    # a program none of whose projects carries a roadmap's direction
    at = open_page("roadmaps", program="Health")
    assert errors(at) == []
    assert [i.value for i in at.info] == [t("roadmaps.none_in_filter", "kk")]
    assert not at.dataframe


def test_a_store_with_projects_but_no_roadmaps_says_what_to_upload(projects_only_db: Path) -> None:
    at = open_page("roadmaps", lang="ru")
    assert errors(at) == []
    (info,) = [i.value for i in at.info]
    assert info.startswith(f"**{t('roadmaps.none_title', 'ru')}**")
    for sheet in ("roadmaps", "roadmap_directions", "roadmap_events", "roadmap_changes"):
        assert f"«{t(f'table.{sheet}', 'ru')}»" in info
    assert not at.dataframe and not at.metric


def test_an_empty_store_names_the_roadmap_sheets(empty_db: Path) -> None:
    at = open_page("roadmaps")
    assert errors(at) == []
    assert [i.value for i in at.info] == [f"**{t('common.empty_title', 'kk')}**\n\n{t('common.empty_body', 'kk')}"]
    assert any(t("table.roadmap_events", "kk") in c.value for c in at.caption)
    assert not at.dataframe


@pytest.mark.parametrize("lang", LANGS)
def test_the_demo_roadmaps(demo_db: Path, lang: str) -> None:
    pic = picture(demo_db)
    if pic.roadmaps.empty:
        pytest.skip("the demo portfolio has no roadmaps")
    at = open_page("roadmaps", lang=lang)
    assert errors(at) == []
    assert metric(at, "roadmaps.total", lang) == str(len(pic.roadmaps))
    assert metric(at, "roadmaps.overdue", lang) == str(int(pic.roadmaps["overdue_steps"].sum()))
    assert metric(at, "roadmaps.violations", lang) == str(len(pic.violations))
    listed = table_with(at, "roadmaps.col_overdue", lang)
    assert listed[t("col.roadmaps.roadmap_id", lang)].tolist() == pic.roadmaps["roadmap_id"].tolist()
    worst = pic.roadmaps.iloc[0]
    steps = table_with(at, "roadmaps.col_state", lang)
    assert len(steps) == int((pic.steps["roadmap_id"] == worst["roadmap_id"]).sum())
    assert (steps[t("roadmaps.col_state", lang)] == state("overdue", lang)).sum() == worst["overdue_steps"]
    for change in pic.violations.loc[pic.violations["roadmap_id"] == worst["roadmap_id"], "change_id"]:
        assert any(change in plain(w.value) for w in at.warning)
