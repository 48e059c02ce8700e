"""Since the last review (``metrics.digest``, ``pmo diff``): a store with three batches — the
quarter's data, an update after it, and a bad upload that was rolled back — and every kind of
change worked out by hand, in the order worst first.

The dates: T0 = 30.06.2026 (the last quarter end), T1 = 30.09.2026. A 2026 project's indicator
due 31.12.2026 is expected at 180/364 ≈ 0,495 on T0 (on track from 0,445, at risk from 0,346)
and at 272/364 ≈ 0,747 on T1 (on track from 0,673, at risk from 0,523).

- P1 gets worse: its indicator's new value (40 on T1 after 50 on T0) takes it from on track to
  off track and its KPI index from 50 % to 40 %; an activity due 15.08 is 46 days overdue on T1
  (red); a risk is raised from 3×4 to 4×4 (high); the passport's end moves from 31.12.2026 to
  31.03.2027 (90 days); Aida's share falls from 50 to 30 %.
- P2 gets better: its indicator goes from 20 to 80 (off track → on track, +60 pp); the activity
  30 days overdue on T0 is done; its high risk is closed; spent 200 → 600; its change request
  CR-B (submitted 20.06) is approved.
- P3 moves: a risk 2×3 → 3×3; the end moves earlier (31.12 → 30.11); Dana's row ends 31.08,
  Bolat joins at 40 % from 01.07; a new line of additional funding (2027, 500); a change request
  CR-C submitted 03.08 and rejected.
- RM-1 was submitted to the office on 22.06: its review (10 working days, due 07.07 after the
  Capital Day on 06.07) is open on T0 and overdue on T1.
- Batch 3, rolled back, moved P4's end to 30.06.2027 and added a high risk D-R1.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from i18n import t
from loaders import store, template
from loaders.importer import import_files
from loaders.reader import Loaded
from metrics import settings as settings_mod
from metrics.common import Filters
from metrics.digest import CHANGE_COLUMNS, KINDS, PROJECT_COLUMNS, Digest, digest, to_json
from metrics.settings import Settings
from pmo.cli import main
from pmo.diff_cmd import _connection_at_batch, batch_before, batches_in_force
from tests.builders import D, as_user, make_store, project

T0, T1 = D(2026, 6, 30), D(2026, 9, 30)
Rows = Sequence[Mapping[str, object]]


def risk(rid: str, pid: str, probability: int, impact: int, **kw: object) -> dict[str, object]:
    return {
        "risk_id": rid,
        "project_id": pid,
        "title": f"Risk {rid}",
        "probability": probability,
        "impact": impact,
        "mitigation": "m",
        "identified_on": D(2026, 6, 1),
        "last_reviewed_on": D(2026, 9, 15),  # reassessed: no risk review is overdue on either date
        **kw,
    }


def indicator(iid: str, pid: str) -> dict[str, object]:
    return {
        "indicator_id": iid,
        "project_id": pid,
        "name": f"Indicator {iid}",
        "baseline": 0,
        "target": 100,
        "deadline": D(2026, 12, 31),
    }


def team(pid: str, person: str, pct: float, role: str = "analyst", **kw: object) -> dict[str, object]:
    return {"project_id": pid, "person": person, "role": role, "allocation_pct": pct, "from_date": D(2026, 1, 1), **kw}


BATCH_1: dict[str, Rows] = {
    "projects": [project("P1"), project("P2"), project("P3"), project("P4")],
    "indicators": [indicator("A-I1", "P1"), indicator("B-I1", "P2")],
    "indicator_values": [
        {"indicator_id": "A-I1", "period_end": T0, "actual": 50},
        {"indicator_id": "B-I1", "period_end": T0, "actual": 20},
    ],
    "activities": [
        {"activity_id": "A-A1", "project_id": "P1", "name": "Build", "planned_end": D(2026, 8, 15)},
        {
            "activity_id": "B-A1",
            "project_id": "P2",
            "name": "Pilot",
            "planned_end": D(2026, 5, 31),
            "status": "in_progress",
        },
    ],
    "risks": [risk("A-R1", "P1", 3, 4), risk("B-R1", "P2", 5, 4), risk("C-R1", "P3", 2, 3)],
    "team": [
        team("P1", "Aida", 50),
        team("P3", "Dana", 20, "team_member", to_date=D(2026, 8, 31)),
    ],
    "budget": [
        {"project_id": "P2", "year": 2026, "funding_source": "republican_budget", "planned": 1000, "spent": 200}
    ],
    "changes": [{"change_id": "CR-B", "project_id": "P2", "submitted_on": D(2026, 6, 20), "description": "Move"}],
    "roadmaps": [{"roadmap_id": "RM-1", "agency": "MoF", "name": "Digital", "period_from": 2026, "period_to": 2028}],
    "roadmap_events": [{"roadmap_id": "RM-1", "kind": "submitted", "event_date": D(2026, 6, 22)}],
}

BATCH_2: dict[str, Rows] = {
    "projects": [project("P1", end_date=D(2027, 3, 31)), project("P3", end_date=D(2026, 11, 30))],
    "indicator_values": [
        {"indicator_id": "A-I1", "period_end": T1, "actual": 40},
        {"indicator_id": "B-I1", "period_end": T1, "actual": 80},
    ],
    "activities": [
        {
            "activity_id": "B-A1",
            "project_id": "P2",
            "name": "Pilot",
            "planned_end": D(2026, 5, 31),
            "status": "done",
            "actual_end": D(2026, 7, 20),
        },
    ],
    "risks": [risk("A-R1", "P1", 4, 4), risk("B-R1", "P2", 5, 4, status="closed"), risk("C-R1", "P3", 3, 3)],
    "team": [team("P1", "Aida", 30), team("P3", "Bolat", 40, "team_member", from_date=D(2026, 7, 1))],
    "budget": [
        {"project_id": "P2", "year": 2026, "funding_source": "republican_budget", "planned": 1000, "spent": 600},
        {"project_id": "P3", "year": 2027, "funding_source": "additional_funding_required", "planned": 500},
    ],
    "changes": [
        {
            "change_id": "CR-B",
            "project_id": "P2",
            "submitted_on": D(2026, 6, 20),
            "description": "Move",
            "decision": "approved",
            "decided_on": D(2026, 7, 1),
        },
        {
            "change_id": "CR-C",
            "project_id": "P3",
            "submitted_on": D(2026, 8, 3),
            "description": "Extend",
            "decision": "rejected",
            "decided_on": D(2026, 8, 10),
        },
    ],
}

#: the bad upload, rolled back
BATCH_3: dict[str, Rows] = {
    "projects": [project("P4", end_date=D(2027, 6, 30))],
    "risks": [risk("D-R1", "P4", 5, 4, identified_on=D(2026, 9, 1), last_reviewed_on=D(2026, 9, 20))],
}


def upload(con: duckdb.DuckDBPyConnection, tables: Mapping[str, Rows], name: str) -> int:
    wb = template.build("en")
    for table, rows in tables.items():
        template.fill(wb, table, rows, "en")
    plan, batch = import_files(con, [Loaded(name, template.to_bytes(wb))], actor=as_user("test"))
    assert batch is not None, [i.message("en") for i in plan.issues]
    return batch


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("digest") / "s.duckdb"
    con = make_store(path, BATCH_1)
    try:
        assert upload(con, BATCH_2, "update.xlsx") == 2
        assert upload(con, BATCH_3, "bad.xlsx") == 3
        assert store.rollback(con, 3, as_user("test")) == [3]
    finally:
        con.close()
    return path


@pytest.fixture
def con(store_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with store.session(store_path, read_only=True) as c:
        yield c


@pytest.fixture
def after(store_path: Path) -> Iterator[dict[int, duckdb.DuckDBPyConnection]]:
    """The store as it stood after batches 1, 2 and 3."""
    cons = {n: _connection_at_batch(store_path, n) for n in (1, 2, 3)}
    yield cons
    for c in cons.values():
        c.close()


def rows(d: Digest) -> list[tuple[Any, ...]]:
    """(project, kind, item, field, before, after, direction) of every change, in order."""
    return [
        (r["project_id"], r["kind"], r["item_id"], r["field"], r["before"], r["after"], r["direction"])
        for r in d.changes.to_dict("records")
    ]


#: (state after batch 1, T0) → (the current store: batches 1 and 2, T1), worked out by hand
EXPECTED: list[tuple[Any, ...]] = [
    # worse: RAG, new overdue items, new high risks, KPI drops, indicators, risk scores, passport
    # slips, roadmap steps, team
    ("P1", "rag", "P1", "rag", "green", "red", "worse"),
    ("P1", "overdue_new", "A-A1", "activity", None, D(2026, 8, 15), "worse"),
    ("P1", "risk_new_high", "A-R1", "priority", "medium", "high", "worse"),
    ("P1", "kpi_index", "P1", "kpi_index", 0.5, 0.4, "worse"),
    ("P1", "indicator_status", "A-I1", "status", "on_track", "off_track", "worse"),
    ("P3", "risk_score", "C-R1", "score", 6.0, 9.0, "worse"),
    ("P1", "passport_date", "P1", "end_date", D(2026, 12, 31), D(2027, 3, 31), "worse"),
    (None, "roadmap_step", "RM-1 §24", "review", "due", "overdue", "worse"),
    ("P1", "team_allocation", "Aida", "allocation_pct", 50.0, 30.0, "worse"),  # 20 points, as Dana: by project
    ("P3", "team_allocation", "Dana", "allocation_pct", 20.0, None, "worse"),
    # moved: budget (the larger amount first), change requests
    ("P3", "budget", "2027 additional_funding_required", "planned", None, 500.0, "moved"),
    ("P2", "budget", "2026 republican_budget", "spent", 200.0, 600.0, "moved"),
    ("P3", "change_submitted", "CR-C", "submitted_on", None, D(2026, 8, 3), "moved"),
    ("P2", "change_decided", "CR-B", "decision", "pending", "approved", "moved"),
    ("P3", "change_decided", "CR-C", "decision", None, "rejected", "moved"),
    # better, in the same order of kinds
    ("P2", "rag", "P2", "rag", "red", "green", "better"),
    ("P2", "overdue_cleared", "B-A1", "activity", D(2026, 5, 31), None, "better"),
    ("P2", "risk_high_cleared", "B-R1", "priority", "high", "high", "better"),
    ("P2", "kpi_index", "P2", "kpi_index", 0.2, 0.8, "better"),
    ("P2", "indicator_status", "B-I1", "status", "off_track", "on_track", "better"),
    ("P3", "passport_date", "P3", "end_date", D(2026, 12, 31), D(2026, 11, 30), "better"),
    ("P3", "team_allocation", "Bolat", "allocation_pct", None, 40.0, "better"),
]


@pytest.fixture
def since(con: duckdb.DuckDBPyConnection, after: dict[int, duckdb.DuckDBPyConnection]) -> Digest:
    return digest(after[1], T0, con, T1)


def test_every_kind_worst_first(since: Digest) -> None:
    assert rows(since) == EXPECTED
    assert list(since.changes.columns) == list(CHANGE_COLUMNS)
    assert since.changes["worse"].tolist() == [r[-1] == "worse" for r in EXPECTED]
    assert {r[1] for r in EXPECTED} == set(KINDS)  # every kind is exercised


def test_details_say_why(since: Digest) -> None:
    d = {(r["kind"], r["item_id"]): r for r in since.changes.to_dict("records")}
    assert d["rag", "P1"]["detail"] == {
        "appeared": ["indicator_off_track:A-I1", "activity_overdue_long:A-A1", "high_risk_open:A-R1"],
        "cleared": [],
        "override_before": None,
        "override_after": None,
    }
    assert d["rag", "P1"]["severity"] == 2  # green → red: two steps
    assert d["rag", "P2"]["detail"]["cleared"] == [
        "indicator_off_track:B-I1",
        "activity_overdue:B-A1",  # 30 days on T0: not yet long overdue
        "high_risk_open:B-R1",
    ]
    assert d["rag", "P2"]["detail"]["appeared"] == []
    assert d["overdue_new", "A-A1"]["detail"] == {
        "title": "Build",
        "responsible": "PM P1",
        "due": D(2026, 8, 15),
        "days_overdue": 46.0,
    }
    assert d["overdue_cleared", "B-A1"]["detail"]["days_overdue"] == 30.0
    assert d["kpi_index", "P1"]["detail"] == {"delta_pp": -10.0}
    assert d["kpi_index", "P2"]["detail"] == {"delta_pp": 60.0}
    assert d["risk_new_high", "A-R1"]["detail"]["score_before"] == 12.0
    assert d["risk_new_high", "A-R1"]["detail"]["score_after"] == 16.0
    closed = d["risk_high_cleared", "B-R1"]["detail"]
    assert (closed["open_before"], closed["open_after"], closed["status_after"]) == (True, False, "closed")
    assert d["risk_score", "C-R1"]["detail"]["probability_before"] == 2.0
    assert d["risk_score", "C-R1"]["detail"]["probability_after"] == 3.0
    assert d["passport_date", "P1"]["detail"] == {"days": 90}
    assert d["passport_date", "P3"]["detail"] == {"days": -31}
    assert d["team_allocation", "Bolat"]["detail"] == {"person": "Bolat", "roles": ["team_member"]}
    assert d["change_decided", "CR-B"]["detail"] == {"description": "Move", "decided_on": D(2026, 7, 1)}
    step = d["roadmap_step", "RM-1 §24"]["detail"]
    assert (step["started"], step["due"], step["done_on"]) == (D(2026, 6, 22), D(2026, 7, 7), None)
    assert d["indicator_status", "A-I1"]["detail"]["achievement_after"] == pytest.approx(0.4)


def test_projects_in_the_order_of_their_worst_change(since: Digest) -> None:
    p = since.projects
    assert list(p.columns) == list(PROJECT_COLUMNS)
    assert p["project_id"].tolist() == ["P1", "P3", "P2"]  # P3's risk score is worse; P2 only moved or improved
    assert p[["worse", "moved", "better"]].to_numpy().tolist() == [[7, 0, 0], [2, 3, 2], [0, 2, 5]]
    assert p["rag_before"].tolist() == ["green", "green", "red"]
    assert p["rag_after"].tolist() == ["red", "green", "green"]
    assert p["main_kind"].tolist() == ["rag", "risk_score", "budget"]
    assert p["kpi_before"].tolist()[0] == pytest.approx(0.5)
    assert since.of_project("P3")["kind"].tolist() == [
        "risk_score",
        "team_allocation",
        "budget",
        "change_submitted",
        "change_decided",
        "passport_date",
        "team_allocation",
    ]
    assert since.of_kind("rag")["project_id"].tolist() == ["P1", "P2"]
    assert len(since.worse) == 10


def test_the_kpi_threshold_is_a_setting(
    con: duckdb.DuckDBPyConnection, after: dict[int, duckdb.DuckDBPyConnection], tmp_path: Path
) -> None:
    def kpi(settings: Settings) -> list[tuple[str, float]]:
        d = digest(after[1], T0, con, T1, settings=settings)
        moves = d.of_kind("kpi_index")
        return [(r["project_id"], r["detail"]["delta_pp"]) for r in moves.to_dict("records")]

    assert Settings().digest_kpi_threshold_pp == 5
    assert kpi(Settings(digest_kpi_threshold_pp=10)) == [("P1", -10.0), ("P2", 60.0)]  # at least the threshold
    assert kpi(Settings(digest_kpi_threshold_pp=10.5)) == [("P2", 60.0)]
    assert kpi(Settings(digest_kpi_threshold_pp=61)) == []
    # stored in the store, it is what the digest reads when no settings are given
    own = make_store(tmp_path / "own.duckdb", BATCH_1)
    try:
        upload(own, BATCH_2, "update.xlsx")
        settings_mod.set_value(own, "digest_kpi_threshold_pp", 12.5, as_user("coordinator"))
        d = digest(own, T0, own, T1)
        assert d.kpi_threshold_pp == 12.5
        assert d.of_kind("kpi_index")["project_id"].tolist() == ["P2"]
        with pytest.raises(settings_mod.SettingError):
            settings_mod.set_value(own, "digest_kpi_threshold_pp", 101, as_user("coordinator"))
    finally:
        own.close()


def test_two_dates_over_one_store_see_what_the_dates_change(con: duckdb.DuckDBPyConnection) -> None:
    """One store at T0 and at T1: values, completions and decisions dated between the two count;
    the data that only a new upload changed (passport dates, risk scores, budget, a share typed
    anew) is the same at both points."""
    got = {(r[1], r[2]) for r in rows(digest(con, T0, con, T1))}
    assert got == {
        ("rag", "P1"),
        ("overdue_new", "A-A1"),
        ("kpi_index", "P1"),
        ("indicator_status", "A-I1"),
        ("roadmap_step", "RM-1 §24"),
        ("team_allocation", "Dana"),  # her row ends on 31.08
        ("team_allocation", "Bolat"),  # his row starts on 01.07
        ("change_submitted", "CR-C"),
        ("change_decided", "CR-B"),  # decided on 01.07: pending on T0
        ("change_decided", "CR-C"),
        ("rag", "P2"),
        ("overdue_cleared", "B-A1"),  # done on 20.07
        ("kpi_index", "P2"),
        ("indicator_status", "B-I1"),
    }
    assert digest(con, T1, con, T1).changes.empty


def test_the_rolled_back_batch(
    store_path: Path, con: duckdb.DuckDBPyConnection, after: dict[int, duckdb.DuckDBPyConnection]
) -> None:
    """After batch 3 the store held P4's new end and its high risk; the rollback undid them, so
    the current store is the store after batch 2."""
    assert batches_in_force(con, 3) == [1, 2, 3]  # rolled back only after batch 3 was imported
    assert batch_before(con, 3) == 2 and batch_before(con, 1) == 0
    assert rows(digest(after[2], T1, after[3], T1)) == [
        ("P4", "rag", "P4", "rag", "green", "amber", "worse"),
        ("P4", "risk_new_high", "D-R1", "priority", None, "high", "worse"),
        ("P4", "passport_date", "P4", "end_date", D(2026, 12, 31), D(2027, 6, 30), "worse"),
    ]
    assert digest(after[2], T1, con, T1).changes.empty
    undone = digest(after[3], T1, con, T1)
    assert [(r[1], r[-1]) for r in rows(undone)] == [
        ("rag", "better"),
        ("risk_high_cleared", "better"),  # gone with the batch: after = None
        ("passport_date", "better"),
    ]
    assert digest(after[1], T0, con, T1).changes.equals(digest(after[1], T0, after[2], T1).changes)
    empty = _connection_at_batch(store_path, 0)
    try:
        assert empty.execute("SELECT count(*) FROM projects").fetchall() == [(0,)]
    finally:
        empty.close()


def test_filters_apply_to_both_points(
    con: duckdb.DuckDBPyConnection, after: dict[int, duckdb.DuckDBPyConnection]
) -> None:
    d = digest(after[1], T0, con, T1, Filters(project_ids=("P2",)))
    assert {r[0] for r in rows(d)} == {"P2"}
    assert len(d.changes) == 7


def test_json_keeps_the_order_and_writes_dates_as_iso(since: Digest) -> None:
    data = to_json(since, batch_then=1)
    assert (data["from"], data["to"]) == ({"as_of": "2026-06-30", "batch": 1}, {"as_of": "2026-09-30", "batch": None})
    assert data["kpi_threshold_pp"] == 5.0
    assert [c["kind"] for c in data["changes"]] == [r[1] for r in EXPECTED]
    first = data["changes"][1]
    assert first["after"] == "2026-08-15" and first["detail"]["due"] == "2026-08-15"
    assert "severity" not in first
    assert data["portfolio"]["from"]["rag"] == {"red": 1, "amber": 0, "green": 3}
    assert data["portfolio"]["to"]["rag"] == {"red": 1, "amber": 0, "green": 3}
    json.dumps(data)  # plain JSON all through


# --------------------------------------------------------------------------------------------
# pmo diff


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_cli_json_is_the_digest(store_path: Path) -> None:
    code, text = run(
        "diff",
        "--db",
        str(store_path),
        "--from",
        "2026-06-30",
        "--to",
        "2026-09-30",
        "--from-batch",
        "1",
        "--format",
        "json",
    )
    assert code == 0, text
    data = json.loads(text)
    assert data["from"] == {"as_of": "2026-06-30", "batch": 1}
    assert [(c["project_id"], c["kind"], c["item_id"]) for c in data["changes"]] == [r[:3] for r in EXPECTED]
    # two dates over the current store; a batch alone compares it with the store just before it
    code, text = run("diff", "--db", str(store_path), "--from", "2026-06-30", "--to", "2026-09-30", "--format", "json")
    assert code == 0 and json.loads(text)["from"]["batch"] is None
    code, text = run("diff", "--db", str(store_path), "--to", "2026-09-30", "--to-batch", "3", "--format", "json")
    assert code == 0
    data = json.loads(text)
    assert (data["from"]["batch"], data["to"]["batch"], data["from"]["as_of"]) == (2, 3, "2026-09-30")
    assert [c["kind"] for c in data["changes"]] == ["rag", "risk_new_high", "passport_date"]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_cli_table_in_words(store_path: Path, lang: str) -> None:
    code, text = run(
        "diff",
        "--db",
        str(store_path),
        "--from",
        "2026-06-30",
        "--to",
        "2026-09-30",
        "--from-batch",
        "1",
        "--lang",
        lang,
    )
    assert code == 0, text
    lines = text.splitlines()
    assert lines[0] == t(
        "digest.cli.heading", lang, start=t("digest.cli.at_batch", lang, date="30.06.2026", batch=1), end="30.09.2026"
    )
    assert lines[1] == t("digest.cli.threshold", lang, pp="5")
    changes = lines[
        lines.index(
            next(
                line
                for line in lines
                if line.startswith(t("digest.col.project", lang)) and t("digest.col.direction", lang) in line
            )
        )
        + 2 :
    ]
    assert len(changes) == len(EXPECTED)
    first = changes[0]
    assert first.startswith("P1")
    for word in (
        t("digest.direction.worse", lang),
        t("digest.kind.rag", lang),
        t("rag.green", lang),
        t("rag.red", lang),
    ):
        assert word in first
    assert t("rag_reason.indicator_off_track", lang) in first
    kpi = next(line for line in changes if t("digest.kind.kpi_index", lang) in line and line.startswith("P1"))
    assert "50,0%" in kpi and "40,0%" in kpi and "−10" in kpi
    assert t("digest.direction.better", lang) in changes[-1] and "Bolat" in changes[-1]
    assert not re.search(r"\d\.\d", re.sub(r"\d\d\.\d\d\.\d{4}", "", text))  # a decimal comma; dates aside
    assert t("enum.decision.approved", lang) in text and t("enum.risk_status.closed", lang) in text


def test_cli_refusals(store_path: Path) -> None:
    code, text = run("diff", "--db", str(store_path), "--from-batch", "9", "--lang", "en")
    assert code == 1 and "There is no batch 9." in text
    code, _ = run("diff", "--db", str(store_path), "--from", "2026-10-01", "--to", "2026-09-30")
    assert code == 2
    with pytest.raises(SystemExit) as exc:
        run("diff", "--db", str(store_path), "--from-batch", "-1")
    assert exc.value.code == 2
    code, text = run("diff", "--db", str(store_path), "--from", "2026-09-30", "--to", "2026-09-30", "--lang", "en")
    assert code == 0 and t("digest.nothing", "en") in text


def test_the_dates_default_to_the_last_quarter_end_and_today(store_path: Path) -> None:
    from metrics.common import previous_quarter_end

    code, text = run("diff", "--db", str(store_path), "--format", "json")
    assert code == 0
    data = json.loads(text)
    today = dt.date.today()
    assert data["to"]["as_of"] == today.isoformat()
    assert data["from"]["as_of"] == previous_quarter_end(today).isoformat()
