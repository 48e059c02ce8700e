"""Decree 881 roadmaps: every working-day clock with deadlines worked out by hand on the
Kazakhstan calendar (Nauryz 21–25.03.2026 with its two days moved, 1–2 January, Orthodox
Christmas, 3.01.2025 moved from Sunday 5.01.2025, which was worked), §51.6 at six months ± a day,
the financed / additional-funding split and the §19 criteria shares (DOMAIN §4.8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from metrics.common import Filters
from metrics.roadmaps import half_years, overdue_steps, roadmap_picture, violations_of
from tests.builders import make_store, project

D = dt.date


def _store(tmp_path: Path, events: Sequence[tuple[Any, ...]], changes: Sequence[tuple[str, str]] = ()) -> Any:
    """Roadmap RM1 (2026–2028) with ``events`` = (kind, date[, change]) and ``changes`` = (id, ground)."""
    return make_store(
        tmp_path / "rm.duckdb",
        {
            "projects": [project("P1")],
            "roadmaps": [
                {
                    "roadmap_id": "RM1",
                    "agency": "Ministry of Finance",
                    "name": "Digital finance",
                    "period_from": 2026,
                    "period_to": 2028,
                    "deputy_head": "A. Deputy",
                }
            ],
            "roadmap_changes": [{"change_id": c, "roadmap_id": "RM1", "ground": g} for c, g in changes],
            "roadmap_events": [
                {"roadmap_id": "RM1", "kind": e[0], "event_date": e[1], "change_id": e[2] if len(e) > 2 else None}
                for e in events
            ],
        },
    )


def _step(tmp_path: Path, as_of: dt.date, events: Sequence[tuple[Any, ...]], step: str, **kw: Any) -> dict[str, Any]:
    con = _store(tmp_path, events, kw.pop("changes", ()))
    steps = roadmap_picture(con, as_of).steps
    rows = steps[
        (steps["step"] == step)
        & (steps["change_id"].isna() if "change" not in kw else steps["change_id"] == kw["change"])
    ]
    assert len(rows) == 1, steps
    out: dict[str, Any] = {str(k): None if pd.isna(v) else v for k, v in rows.iloc[0].items()}
    for key in ("started", "due", "done_on"):
        out[key] = None if out[key] is None else out[key].date()
    return out


# ---- §24: the office answers within 10 working days; Nauryz 21–25.03.2026 is five days off


def test_review_clock_crosses_nauryz(tmp_path: Path) -> None:
    """Submitted Thu 12.03.2026: 13, 16, 17, 18, 19, 20 (6), then Sat 21 – Wed 25 are off (Nauryz
    and its two moved days), 26, 27, 30, 31 (10): due Tue 31.03.2026."""
    on_time = _step(tmp_path, D(2026, 4, 10), [("submitted", D(2026, 3, 12)), ("agreed", D(2026, 3, 31))], "review")
    assert (on_time["due"], on_time["state"]) == (D(2026, 3, 31), "on_time")


def test_an_answer_a_day_after_the_review_clock_is_one_working_day_late(tmp_path: Path) -> None:
    late = _step(tmp_path, D(2026, 4, 10), [("submitted", D(2026, 3, 12)), ("agreed", D(2026, 4, 1))], "review")
    assert (late["state"], late["working_days_late"], late["working_days_taken"]) == ("late", 1, 11)


def test_due_on_the_as_of_date_is_not_yet_overdue(tmp_path: Path) -> None:
    due = _step(tmp_path, D(2026, 3, 31), [("submitted", D(2026, 3, 12))], "review")
    assert (due["state"], due["working_days_late"]) == ("due", None)
    over = _step(tmp_path / "b", D(2026, 4, 2), [("submitted", D(2026, 3, 12))], "review")
    assert (over["state"], over["working_days_late"]) == ("overdue", 2)  # 1 and 2 April


def test_a_resubmission_after_rework_starts_a_new_clock(tmp_path: Path) -> None:
    """Rework on 20.03, resubmitted Wed 01.04.2026: 2, 3, 6, 7, 8, 9, 10, 13, 14, 15 → due 15.04;
    unanswered on 20.04 it is 3 working days late (16, 17, 20)."""
    con = _store(tmp_path, [("submitted", D(2026, 3, 12)), ("rework", D(2026, 3, 20)), ("submitted", D(2026, 4, 1))])
    steps = roadmap_picture(con, D(2026, 4, 20)).steps
    review = steps[steps["step"] == "review"].sort_values("started")
    assert list(review["state"]) == ["on_time", "overdue"]
    assert review.iloc[1]["due"].date() == D(2026, 4, 15)
    assert review.iloc[1]["working_days_late"] == 3


def test_the_heads_approval_has_no_term_but_its_time_is_shown(tmp_path: Path) -> None:
    """Agreed Tue 14.04.2026, approved Mon 20.04.2026: 15, 16, 17, 20 = 4 working days."""
    approval = _step(
        tmp_path,
        D(2026, 4, 30),
        [("submitted", D(2026, 4, 1)), ("agreed", D(2026, 4, 14)), ("approved", D(2026, 4, 20))],
        "approval",
    )
    assert (approval["state"], approval["due"], approval["working_days_taken"]) == ("no_term", None, 4)


# ---- §25: published within 3 working days, when the last of the three placements is made


def test_publication_crosses_new_year_and_orthodox_christmas(tmp_path: Path) -> None:
    """Approved Wed 31.12.2025: 1–2 January off, 3–4 weekend, Mon 5 (1), Tue 6 (2), Wed 7 off
    (Orthodox Christmas), Thu 8 (3): due 08.01.2026. The last placement on Fri 9 is one day late."""
    events = [
        ("approved", D(2025, 12, 31)),
        ("published_portal", D(2026, 1, 5)),
        ("published_site", D(2026, 1, 6)),
        ("published_pmis", D(2026, 1, 9)),
    ]
    step = _step(tmp_path, D(2026, 1, 20), events, "publication")
    assert (step["due"], step["done_on"], step["state"], step["working_days_late"]) == (
        D(2026, 1, 8),
        D(2026, 1, 9),
        "late",
        1,
    )


def test_two_placements_out_of_three_is_not_published(tmp_path: Path) -> None:
    events = [("approved", D(2025, 12, 31)), ("published_portal", D(2026, 1, 5)), ("published_site", D(2026, 1, 6))]
    step = _step(tmp_path, D(2026, 1, 12), events, "publication")
    assert (step["done_on"], step["state"], step["working_days_late"]) == (None, "overdue", 2)  # 9 and 12 January


# ---- §37–40, §45: the re-engineering clocks


def test_notice_across_a_day_off_moved_from_a_sunday(tmp_path: Path) -> None:
    """Team formed Tue 31.12.2024: 1–2 January off, Fri 3.01.2025 off (moved from Sunday 5.01,
    which was worked: (1)), Mon 6 (2): the notice is due 06.01.2025; posted Wed 8 (7 is Orthodox
    Christmas) it is one working day late."""
    events = [("approved", D(2024, 12, 16)), ("team_formed", D(2024, 12, 31)), ("notice_posted", D(2025, 1, 8))]
    step = _step(tmp_path, D(2025, 1, 20), events, "notice")
    assert (step["due"], step["state"], step["working_days_late"]) == (D(2025, 1, 6), "late", 1)


def test_team_within_ten_working_days_of_the_first_approval(tmp_path: Path) -> None:
    """Approved Fri 08.05.2026: 9–10 weekend, Mon 11 off (Victory Day moved), 12–15 (4), 18–22
    (9), Mon 25 (10): due 25.05.2026. Not formed on 25.05: due; on 26.05: one day overdue."""
    events = [("approved", D(2026, 5, 8))]
    assert _step(tmp_path, D(2026, 5, 25), events, "team")["state"] == "due"
    over = _step(tmp_path / "b", D(2026, 5, 26), events, "team")
    assert (over["due"], over["state"], over["working_days_late"]) == (D(2026, 5, 25), "overdue", 1)


def test_schedule_within_five_working_days_of_the_team(tmp_path: Path) -> None:
    """Team formed Tue 26.05.2026: Wed 27 off (Kurban ait), 28, 29, 1, 2, 3 June: due 03.06.2026."""
    events = [("approved", D(2026, 5, 8)), ("team_formed", D(2026, 5, 26)), ("schedule_drafted", D(2026, 6, 3))]
    step = _step(tmp_path, D(2026, 6, 30), events, "schedule")
    assert (step["due"], step["state"]) == (D(2026, 6, 3), "on_time")
    team = _step(tmp_path / "b", D(2026, 6, 30), events, "team")
    assert (team["state"], team["working_days_late"]) == ("late", 1)


def test_entry_within_three_working_days_of_the_schedules_approval(tmp_path: Path) -> None:
    """Approved Thu 02.07.2026: Fri 3 (1), Mon 6 off (Capital Day), Tue 7 (2), Wed 8 (3)."""
    events = [("approved", D(2026, 5, 8)), ("schedule_approved", D(2026, 7, 2)), ("schedule_entered", D(2026, 7, 9))]
    step = _step(tmp_path, D(2026, 7, 31), events, "entry")
    assert (step["due"], step["state"], step["working_days_late"]) == (D(2026, 7, 8), "late", 1)


def test_target_variant_published_within_three_working_days(tmp_path: Path) -> None:
    """Approved Fri 23.10.2026: Mon 26 off (Republic Day, Sunday 25 moved), 27, 28, 29: due 29.10."""
    events = [("approved", D(2026, 5, 8)), ("target_approved", D(2026, 10, 23)), ("target_published", D(2026, 10, 29))]
    step = _step(tmp_path, D(2026, 11, 30), events, "target_publication")
    assert (step["due"], step["state"]) == (D(2026, 10, 29), "on_time")


def test_events_after_the_as_of_date_have_not_happened(tmp_path: Path) -> None:
    events = [("approved", D(2026, 5, 8)), ("team_formed", D(2026, 6, 1))]
    step = _step(tmp_path, D(2026, 5, 29), events, "team")
    assert (step["done_on"], step["state"], step["working_days_late"]) == (None, "overdue", 3)  # 26, 28, 29 (27 off)


# ---- §34: the evaluation reviewed once a half-year after the first approval's half-year


def test_half_years_after_the_first_approval() -> None:
    assert half_years(D(2026, 2, 10), D(2027, 1, 5), 2028) == [
        (D(2026, 7, 1), D(2026, 12, 31)),
        (D(2027, 1, 1), D(2027, 6, 30)),
    ]
    assert half_years(D(2026, 9, 1), D(2026, 12, 31), 2028) == []


def test_a_half_year_without_a_review_is_missed(tmp_path: Path) -> None:
    """H2 2026 ends Thu 31.12.2026; on 05.01.2027 it is one working day late (1 January is a
    Friday, 2–3 the weekend, Mon 4 the New Year's day moved from Saturday 2, Tue 5 (1))."""
    con = _store(tmp_path, [("approved", D(2026, 2, 10))])
    steps = roadmap_picture(con, D(2027, 1, 5)).steps
    evaluation = steps[steps["step"] == "evaluation"].sort_values("started")
    assert list(evaluation["state"]) == ["overdue", "due"]
    assert evaluation.iloc[0]["working_days_late"] == 1
    con2 = _store(tmp_path / "b", [("approved", D(2026, 2, 10)), ("evaluation_reviewed", D(2026, 11, 20))])
    steps2 = roadmap_picture(con2, D(2027, 1, 5)).steps
    assert list(steps2.loc[steps2["step"] == "evaluation", "state"]) == ["on_time", "due"]


# ---- §51.6 and §52


@pytest.mark.parametrize(
    ("approved", "violation"),
    [(D(2026, 8, 9), True), (D(2026, 8, 10), True), (D(2026, 8, 11), False)],
    ids=["six months minus a day", "six months to the day", "six months plus a day"],
)
def test_a_ground_six_change_within_six_months_is_a_violation(approved: dt.date, violation: bool) -> None:
    found = violations_of([(D(2026, 2, 10), None), (approved, "C1")], {"C1": "6"})
    assert bool(found) is violation
    if found:
        assert found[0]["allowed_from"] == D(2026, 8, 11)


def test_the_previous_approval_of_any_kind_counts(tmp_path: Path) -> None:
    """A ground-3 change approved 01.05.2026 (allowed at any time) moves the six months: a ground-6
    change on 15.10.2026 is within (01.05, 01.11]."""
    events = [
        ("approved", D(2026, 2, 10)),
        ("submitted", D(2026, 4, 1), "C3"),
        ("agreed", D(2026, 4, 14), "C3"),
        ("approved", D(2026, 5, 1), "C3"),
        ("submitted", D(2026, 10, 1), "C6"),
        ("agreed", D(2026, 10, 9), "C6"),
        ("approved", D(2026, 10, 15), "C6"),
    ]
    con = _store(tmp_path, events, [("C3", "3"), ("C6", "6")])
    pic = roadmap_picture(con, D(2026, 10, 30))
    (v,) = pic.violations.to_dict("records")
    assert (v["change_id"], v["previous_change_id"], v["previous_approval"].date()) == ("C6", "C3", D(2026, 5, 1))
    assert pic.roadmaps.iloc[0]["violations"] == 1
    # a change is agreed and published on the same clocks as the roadmap (§52): C6 is unpublished
    steps = pic.steps[pic.steps["change_id"] == "C6"]
    assert set(steps["step"]) == {"review", "approval", "publication"}
    publication = steps[steps["step"] == "publication"].iloc[0]
    assert (publication["due"].date(), publication["state"]) == (D(2026, 10, 20), "overdue")


# ---- DT §17.2 and §19, the summary, the overdue rows and the filters


def test_financed_and_additional_funding_and_criteria_shares(tmp_path: Path) -> None:
    con = make_store(
        tmp_path / "f.duckdb",
        {
            "projects": [project("P1"), project("P2", program="Customs")],
            "roadmaps": [
                {"roadmap_id": "RM1", "agency": "MoF", "name": "R1", "period_from": 2026, "period_to": 2028},
                {"roadmap_id": "RM2", "agency": "MoF", "name": "R2", "period_from": 2026, "period_to": 2028},
            ],
            "roadmap_directions": [
                {
                    "direction_id": "D1",
                    "roadmap_id": "RM1",
                    "name": "Data",
                    "project_id": "P1",
                    "financed": 600,
                    "additional_funding": 400,
                },
                {"direction_id": "D2", "roadmap_id": "RM1", "name": "Services", "financed": 1000},
                {"direction_id": "D3", "roadmap_id": "RM2", "name": "Customs", "project_id": "P2"},
            ],
            "indicators": [
                {
                    "indicator_id": f"I{n}",
                    "project_id": "P1",
                    "name": f"I{n}",
                    "baseline": 0,
                    "target": 10,
                    "deadline": D(2026, 12, 31),
                    "direction_id": d,
                    "criterion": c,
                }
                for n, (d, c) in enumerate(
                    [
                        ("D1", "citizen_satisfaction"),
                        ("D1", "citizen_satisfaction"),
                        ("D2", "transparency"),
                        ("D2", None),
                        (None, "anti_corruption"),
                    ]
                )
            ],
        },
    )
    pic = roadmap_picture(con, D(2026, 9, 30))
    d = pic.directions.set_index("direction_id")
    assert list(d.loc[["D1", "D2"], "total"]) == [1000.0, 1000.0]
    assert d.loc["D1", "additional_share"] == pytest.approx(0.4)
    assert d.loc["D2", "additional_share"] == 0.0 and d["additional_share"].isna()["D3"]
    assert list(d.loc[["D1", "D2", "D3"], "indicators"]) == [2, 2, 0]
    rm1 = pic.roadmaps.set_index("roadmap_id").loc["RM1"]
    assert (rm1["financed"], rm1["additional_funding"]) == (1600.0, 400.0)
    shares = pic.criteria[pic.criteria["roadmap_id"] == "RM1"].set_index("criterion")["share"]
    assert shares.to_dict() == {
        "citizen_satisfaction": 0.5,
        "government_cost": 0.0,
        "transparency": 0.25,
        "anti_corruption": 0.0,
        "security_sovereignty": 0.0,
        "none": 0.25,
    }
    agencies = pic.agencies.set_index("agency")
    assert (agencies.loc["MoF", "roadmaps"], agencies.loc["MoF", "financed"]) == (2, 1600.0)
    # a program filter keeps the roadmaps one of whose directions is a project of that program
    assert list(roadmap_picture(con, D(2026, 9, 30), Filters(program="Customs")).roadmaps["roadmap_id"]) == ["RM2"]
    assert list(roadmap_picture(con, D(2026, 9, 30), Filters(program="Tax")).roadmaps["roadmap_id"]) == ["RM1"]


def test_next_due_step_and_the_overdue_rows(tmp_path: Path) -> None:
    """Approved Fri 08.05.2026 and published in time; on 20.05 the team is due on 25.05 (the next
    step); on 26.05 it is overdue and joins the Overdue table as a roadmap step."""
    events = [
        ("approved", D(2026, 5, 8)),
        ("published_portal", D(2026, 5, 12)),
        ("published_site", D(2026, 5, 12)),
        ("published_pmis", D(2026, 5, 13)),
    ]
    con = _store(tmp_path, events)
    early = roadmap_picture(con, D(2026, 5, 20))
    row = early.roadmaps.iloc[0]
    assert (row["next_step"], row["next_due"].date(), row["overdue_steps"]) == ("team", D(2026, 5, 25), 0)
    late = roadmap_picture(con, D(2026, 5, 26))
    rows = overdue_steps(late)
    assert list(rows["item_id"]) == ["RM1 §37"]
    assert (rows.iloc[0]["working_days_overdue"], rows.iloc[0]["responsible"]) == (1, "A. Deputy")


def test_late_roadmap_steps_join_the_overdue_table(tmp_path: Path) -> None:
    """A roadmap step past its deadline is an overdue item of kind ``roadmap_step`` (no project),
    ranked with the others by working days overdue; a filter on another program leaves it out."""
    from metrics.overdue import overdue_items

    con = _store(tmp_path, [("approved", D(2026, 5, 8))])
    items = overdue_items(con, D(2026, 6, 1))
    steps = items[items["kind"] == "roadmap_step"]
    assert list(steps["item_id"]) == ["RM1 §25", "RM1 §37"]  # publication due 13.05, the team 25.05
    assert steps["project_id"].isna().all() and set(steps["title"]) == {"Digital finance"}
    assert list(items["working_days_overdue"]) == sorted(items["working_days_overdue"], reverse=True)
    assert overdue_items(con, D(2026, 6, 1), Filters(program="Tax"))["kind"].eq("roadmap_step").sum() == 0
