"""Recording the quarterly meeting's decisions from the meeting page (Reg §34): each add, edit,
completion and reopening is a batch of its own, audited, and rolls back like any upload."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from loaders import store
from loaders.access import AccessDenied, Role
from loaders.decisions import DecisionInput, DecisionInputError, next_id, save, set_done
from metrics.decisions import quarter_decisions
from tests.builders import as_user, make_store, project

D = dt.date
MEETING = D(2026, 10, 8)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return make_store(tmp_path / "s.duckdb", {"projects": [project("P1"), project("P2")]})


def _input(**kw: object) -> DecisionInput:
    base: dict[str, object] = {
        "project_id": "P1",
        "meeting_date": MEETING,
        "kind": "budget",
        "text": "  Бюджетті   2027 жылға қайта бөлу ",
        "responsible": "Айгүл  Серікқызы",
        "due_date": D(2026, 11, 20),
    }
    return DecisionInput(**(base | kw))  # type: ignore[arg-type]


def test_a_new_decision_is_numbered_by_the_quarter_its_meeting_reviews(con: duckdb.DuckDBPyConnection) -> None:
    coordinator = as_user("Сәуле", Role.COORDINATOR)
    first, batch = save(con, coordinator, _input())
    second, _ = save(con, coordinator, _input(project_id="P2", kind="priority"))
    assert (first, second) == ("2026-Q3-01", "2026-Q3-02")
    row = con.execute("SELECT text, responsible, kind, _batch FROM decisions WHERE decision_id = ?", [first]).fetchall()
    assert row == [("Бюджетті 2027 жылға қайта бөлу", "Айгүл Серікқызы", "budget", batch)]  # spaces tidied
    assert store.batches(con).iloc[0]["user_name"] == "Сәуле"
    logged = con.execute("SELECT action, target FROM audit WHERE action = 'decision' ORDER BY seq").fetchall()
    assert logged == [("decision", first), ("decision", second)]


def test_an_edit_and_a_completion_are_new_versions_and_roll_back(con: duckdb.DuckDBPyConnection) -> None:
    curator = as_user("curator", Role.CURATOR)  # the curator chairs the meeting and may record it
    did, added = save(con, curator, _input())
    edited = save(con, curator, _input(decision_id=did, due_date=D(2026, 12, 4)))[1]
    done = set_done(con, curator, did, D(2026, 11, 30))
    assert con.execute("SELECT due_date, done_on FROM decisions").fetchall() == [(D(2026, 12, 4), D(2026, 11, 30))]
    assert [r[0] for r in con.execute("SELECT _batch FROM h_decisions ORDER BY _batch").fetchall()] == [
        added,
        edited,
        done,
    ]
    store.rollback(con, done, as_user("coordinator"))
    assert con.execute("SELECT done_on FROM decisions").fetchall() == [(None,)]
    set_done(con, curator, did, D(2026, 12, 1))
    reopened = set_done(con, curator, did, None)
    assert con.execute("SELECT done_on, _batch FROM decisions").fetchall() == [(None, reopened)]


def test_a_rolled_back_number_is_not_given_again(con: duckdb.DuckDBPyConnection) -> None:
    coordinator = as_user("coordinator")
    did, batch = save(con, coordinator, _input())
    store.rollback(con, batch, coordinator)
    assert next_id(con, MEETING) == "2026-Q3-02"
    assert did == "2026-Q3-01"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"text": "   "}, "text_missing", "text"),
        ({"text": "x" * 2001}, "too_long", "text"),
        ({"kind": "holiday"}, "bad_kind", "kind"),
        ({"project_id": "P9"}, "unknown_project", "project_id"),
        ({"due_date": D(2026, 10, 7)}, "due_before_meeting", "due_date"),
        ({"done_on": D(2026, 9, 30)}, "done_before_meeting", "done_on"),
        ({"decision_id": "2026-Q3-77"}, "unknown_decision", "decision_id"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    con: duckdb.DuckDBPyConnection, change: dict[str, object], code: str, field: str
) -> None:
    version = store.data_version(con)
    with pytest.raises(DecisionInputError) as err:
        save(con, as_user("coordinator"), _input(**change))
    assert (err.value.code, err.value.field) == (code, field)
    assert store.data_version(con) == version
    assert con.execute("SELECT count(*) FROM h_decisions").fetchall() == [(0,)]


@pytest.mark.parametrize("role", [Role.PROJECT_MANAGER, Role.PROGRAM_MANAGER, Role.VIEWER])
def test_only_the_office_and_the_curator_record_decisions(con: duckdb.DuckDBPyConnection, role: Role) -> None:
    did, _ = save(con, as_user("coordinator"), _input())
    with pytest.raises(AccessDenied):
        save(con, as_user("someone", role), _input())
    with pytest.raises(AccessDenied):
        set_done(con, as_user("someone", role), did, D(2026, 11, 1))
    assert con.execute("SELECT count(*) FROM h_decisions").fetchall() == [(1,)]


def test_a_recorded_decision_is_tracked_until_done(con: duckdb.DuckDBPyConnection) -> None:
    """The protocol of the Q3 meeting holds it; overdue after its due date, done once marked."""
    did, _ = save(con, as_user("coordinator"), _input(due_date=D(2026, 11, 20)))
    before = quarter_decisions(con, D(2026, 9, 30), as_of=D(2026, 11, 20))
    after = quarter_decisions(con, D(2026, 9, 30), as_of=D(2026, 11, 23))
    assert (before.iloc[0]["state"], after.iloc[0]["state"]) == ("open", "overdue")
    set_done(con, as_user("coordinator"), did, D(2026, 11, 24))
    assert quarter_decisions(con, D(2026, 9, 30), as_of=D(2026, 11, 30)).iloc[0]["state"] == "done"
