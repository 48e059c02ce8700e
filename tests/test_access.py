"""Who may do what, over the library API (not the pages): every role against every action that
changes the store or reads the audit log. A refusal is ``AccessDenied`` raised by the library
itself, so the command line and any other caller meet the same rules as the dashboard."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from loaders import audit, profiles, store, template
from loaders.access import RIGHTS, AccessDenied, Actor, Right, Role, managed_projects
from loaders.changes import decide_change
from loaders.importer import commit, import_files, prepare
from loaders.mapping_builder import build_profile
from loaders.reader import Loaded
from metrics import settings as settings_mod
from metrics.status import set_rag_override
from tests.builders import D, make_store, project

DANA = "Dana Serikova"  # the project manager of P1 (and of nothing else)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("access") / "base.duckdb"
    con = make_store(
        path,
        {
            "projects": [project("P1", project_manager=DANA), project("P2", project_manager="Other Person")],
            "team": [{"project_id": "P2", "person": "Dana  SERIKOVA", "role": "analyst", "allocation_pct": 20}],
            "changes": [{"change_id": "C1", "project_id": "P1", "submitted_on": D(2026, 9, 1)}],
        },
    )
    con.close()
    return path


@pytest.fixture
def con(base: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    path = tmp_path / "s.duckdb"
    shutil.copyfile(base, path)
    return store.connect(path)


def person(role: Role) -> Actor:
    return Actor(
        role.value, DANA if role in (Role.PROGRAM_MANAGER, Role.PROJECT_MANAGER) else role.value, role, "local"
    )


def rows_of(pid: str, name: str) -> Loaded:
    wb = template.build("en")
    template.fill(
        wb, "projects", [project(pid, name=name, project_manager=DANA if pid != "P2" else "Other Person")], "en"
    )
    return Loaded(f"{pid}.xlsx", template.to_bytes(wb))


def _upload(pid: str) -> Callable[[duckdb.DuckDBPyConnection, Actor], object]:
    def run(con: duckdb.DuckDBPyConnection, actor: Actor) -> object:
        plan, batch = import_files(con, [rows_of(pid, f"Renamed {pid}")], actor=actor)
        if batch is None:  # refused in the plan: the rows of a project that is not theirs
            codes = {i.code for i in plan.issues}
            assert codes == {"not_your_project"}, codes
            raise AccessDenied(actor, Right.UPLOAD, (pid,))
        return batch

    return run


def _profile() -> object:
    return build_profile(
        "x", table="projects", columns={"project_id": "A", "name": "B", "start_date": "C", "end_date": "D"}
    )


ACTIONS: dict[str, Callable[[duckdb.DuckDBPyConnection, Actor], object]] = {
    "upload_other": _upload("P2"),
    "upload_own": _upload("P1"),
    "upload_new_own": _upload("P3"),
    "rollback": lambda con, a: store.rollback(con, 1, a),
    "settings": lambda con, a: settings_mod.set_value(con, "risk_review_days", 60, a),
    "settings_reset": lambda con, a: settings_mod.reset(
        con, a, keys=tuple(settings_mod.set_values(con, {"week_hours": 41}, a))
    ),
    "calendar": lambda con, a: settings_mod.set_calendar_day(con, D(2026, 10, 2), "day_off", "", a),
    "override": lambda con, a: set_rag_override(con, "P1", "amber", "why", a),
    "decide_change": lambda con, a: decide_change(con, a, "C1", "approved", D(2026, 9, 10)),
    "profile_save": lambda con, a: profiles.save(con, a, _profile(), "mine"),  # type: ignore[arg-type]
    "read_audit": lambda con, a: audit.entries(con, a),
}
ALLOWED: dict[Role, set[str]] = {
    Role.CURATOR: {"override", "decide_change", "read_audit"},
    Role.OFFICE_HEAD: set(ACTIONS) - {"decide_change"},
    Role.COORDINATOR: set(ACTIONS) - {"decide_change"},
    Role.PROGRAM_MANAGER: {"upload_own", "upload_new_own"},
    Role.PROJECT_MANAGER: {"upload_own", "upload_new_own"},
    Role.VIEWER: set(),
    Role.OPEN_DEMO: set(ACTIONS),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_can_do_exactly_its_rights(con: duckdb.DuckDBPyConnection, role: Role, action: str) -> None:
    before = (store.data_version(con), con.execute("SELECT count(*) FROM audit").fetchall()[0][0])
    actor = person(role)
    if action in ALLOWED[role]:
        ACTIONS[action](con, actor)
        if action != "read_audit":
            logged = con.execute("SELECT actor FROM audit ORDER BY seq DESC LIMIT 1").fetchall()
            assert logged == [(actor.label,)]  # every change is audited under who made it
    else:
        with pytest.raises(AccessDenied):
            ACTIONS[action](con, actor)
        after = (store.data_version(con), con.execute("SELECT count(*) FROM audit").fetchall()[0][0])
        assert after == before  # a refusal changes nothing


def test_the_rights_table_is_the_documented_one() -> None:
    assert RIGHTS[Role.CURATOR] == {Right.OVERRIDE, Right.DECIDE_CHANGES, Right.RECORD_DECISIONS, Right.AUDIT}
    assert RIGHTS[Role.VIEWER] == frozenset()
    assert RIGHTS[Role.PROJECT_MANAGER] == {Right.UPLOAD_OWN}


def test_a_manager_is_matched_by_name_in_the_passport_or_the_team(con: duckdb.DuckDBPyConnection) -> None:
    dana = person(Role.PROJECT_MANAGER)
    assert managed_projects(con, dana) == {"P1"}  # an analyst on P2, not its manager
    con.execute("UPDATE c_team SET role = 'project_manager'")  # now she manages P2 through the team
    assert managed_projects(con, dana) == {"P1", "P2"}


def test_a_managers_refused_rows_are_named_where_they_are(con: duckdb.DuckDBPyConnection) -> None:
    wb = template.build("ru")
    template.fill(wb, "projects", [project("P1", project_manager=DANA), project("P2")], "ru")
    plan = prepare(con, [Loaded("mixed.xlsx", template.to_bytes(wb))], actor=person(Role.PROJECT_MANAGER))
    (issue,) = [i for i in plan.issues if i.level == "error"]
    assert (issue.code, issue.sheet, issue.row, issue.value) == ("not_your_project", "Проекты", 3, "P2")
    assert issue.column == template_header("ru")
    assert issue.message("ru").startswith("Проект «P2» не из ваших (Dana Serikova не указан(а) менеджером")


def template_header(lang: str) -> str:
    from i18n import t

    return t("col.projects.project_id", lang) + " *"


def test_the_library_refuses_a_plan_checked_for_someone_else(con: duckdb.DuckDBPyConnection) -> None:
    """The check in the plan is a courtesy; the write checks again."""
    plan = prepare(con, [rows_of("P2", "Not hers")])  # checked with no one in mind
    assert plan.ok
    with pytest.raises(AccessDenied) as err:
        commit(con, plan, person(Role.PROJECT_MANAGER))
    assert err.value.projects == ("P2",)
    assert store.data_version(con) == 1


def test_a_decision_is_a_batch_of_its_own_and_cannot_be_taken_twice(con: duckdb.DuckDBPyConnection) -> None:
    from loaders.changes import DecisionError

    curator = person(Role.CURATOR)
    batch = decide_change(con, curator, "C1", "rejected", dt.date(2026, 9, 10))
    row = con.execute("SELECT decision, decided_on, _batch FROM changes WHERE change_id = 'C1'").fetchall()
    assert row == [("rejected", dt.date(2026, 9, 10), batch)]
    assert store.batches(con).iloc[0]["user_name"] == "curator"
    with pytest.raises(DecisionError) as err:
        decide_change(con, curator, "C1", "approved", dt.date(2026, 9, 11))
    assert err.value.code == "already_decided"
    store.rollback(con, batch, person(Role.COORDINATOR))  # a decision rolls back like any batch
    assert con.execute("SELECT decision FROM changes WHERE change_id = 'C1'").fetchall() == [(None,)]


def _decision_of(pid: str) -> Loaded:
    wb = template.build("kk")
    row = {"decision_id": "D1", "project_id": pid, "meeting_date": D(2026, 9, 25), "text": "Бюджетті қайта бөлу"}
    template.fill(wb, "decisions", [row], "kk")
    return Loaded("decisions.xlsx", template.to_bytes(wb))


def test_the_meetings_decisions_are_written_by_the_office_not_by_the_team(con: duckdb.DuckDBPyConnection) -> None:
    """Reg §34: the curator's meeting decides; the office records it. Even on her own project a
    project manager may not upload a decision, a coordinator may."""
    plan = prepare(con, [_decision_of("P1")], actor=person(Role.PROJECT_MANAGER))
    (issue,) = [i for i in plan.issues if i.level == "error"]
    assert (issue.code, issue.value) == ("office_table", "P1")
    assert "ежеквартальной встречи загружает только проектный офис" in issue.message("ru")
    _, refused = import_files(con, [_decision_of("P1")], actor=person(Role.PROJECT_MANAGER))
    assert refused is None
    assert con.execute("SELECT count(*) FROM decisions").fetchall() == [(0,)]
    _, batch = import_files(con, [_decision_of("P1")], actor=person(Role.COORDINATOR))
    assert batch is not None
    assert con.execute("SELECT decision_id, kind FROM decisions").fetchall() == [("D1", "other")]
