"""The audit log: a row for every action that changes the store (and for exports), with who, when
and what; chained by hashes so that ``pmo audit verify`` finds a changed, removed or inserted row.

The rows every action leaves are checked on a DuckDB file and on PostgreSQL (``any_db``); the
tampering tests edit a DuckDB file by hand (``test_store_pg`` tampers with PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from loaders import audit, profiles, store
from loaders.access import Role
from loaders.importer import import_files, sha256
from loaders.mapping_builder import build_profile
from metrics import settings as settings_mod
from metrics.status import set_rag_override
from pmo.cli import main
from tests.builders import as_user

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo_portfolio.xlsx"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


@pytest.fixture
def db(tmp_path: Path, demo_store: Path) -> Path:
    path = tmp_path / "a.duckdb"
    shutil.copyfile(demo_store, path)
    return path


@pytest.fixture(params=["duckdb", "postgresql"])
def any_db(request: pytest.FixtureRequest, db: Path) -> str | Path:
    """The demo store in a DuckDB file, or copied into an empty PostgreSQL database."""
    if request.param == "duckdb":
        return db
    url = str(request.getfixturevalue("pg_url"))
    store.copy(db, url)
    return url


def log(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, dict[str, object]]]:
    rows = audit.entries(con, as_user("auditor"))
    return [
        (str(actor), str(action), str(target), json.loads(str(detail)))
        for actor, action, target, detail in zip(
            rows["actor"], rows["action"], rows["target"], rows["detail"], strict=True
        )
    ][::-1]


def test_every_action_leaves_a_row_saying_who_what_and_how(any_db: str | Path, tmp_path: Path) -> None:
    con = store.connect(any_db)
    aliya, curator = as_user("Aliya"), as_user("Marat", Role.CURATOR)
    changed = tmp_path / "p.csv"
    changed.write_text("project_id,name,start_date,end_date\nP01,Renamed,15.01.2025,31.12.2026\n", encoding="utf-8")
    _, batch = import_files(con, [changed], actor=aliya)
    settings_mod.set_values(con, {"risk_review_days": 60, "import_rows": 100_000}, aliya)
    settings_mod.reset(con, aliya, "risk_review_days")
    settings_mod.set_calendar_day(con, dt.date(2026, 10, 2), "day_off", "Decree 1", aliya)
    settings_mod.remove_calendar_day(con, dt.date(2026, 10, 2), aliya)
    set_rag_override(con, "P06", "amber", "Extension approved", curator)
    profiles.save(
        con,
        aliya,
        build_profile(
            "Reg", table="projects", columns={"project_id": "A", "name": "B", "start_date": "C", "end_date": "D"}
        ),
        "Register",
    )
    store.rollback(con, int(batch or 0), aliya)
    rows = log(con)
    con.close()
    assert [(a, act, target) for a, act, target, _ in rows] == [
        ("demo", "import", "1"),  # the demo store's own batch
        ("Aliya", "import", "2"),
        ("Aliya", "setting", "risk_review_days"),
        ("Aliya", "setting", "import_rows"),
        ("Aliya", "setting_reset", "risk_review_days"),
        ("Aliya", "calendar_set", "2026-10-02"),
        ("Aliya", "calendar_remove", "2026-10-02"),
        ("Marat", "override", "P06"),
        ("Aliya", "profile_save", "register"),
        ("Aliya", "rollback", "2"),
    ]
    details = {(act, target): detail for _, act, target, detail in rows}
    assert details[("import", "2")]["files"] == [
        {"name": "p.csv", "sha256": sha256(changed.read_bytes()), "bytes": changed.stat().st_size}
    ]
    assert details[("import", "2")]["rows"] == {"projects": [0, 1, 0]}
    assert details[("setting", "risk_review_days")] == {"old": 92.0, "new": 60.0}
    assert details[("setting_reset", "risk_review_days")] == {"old": {"risk_review_days": 60.0}}
    assert details[("calendar_set", "2026-10-02")] == {"kind": "day_off", "note": "Decree 1", "old": None}
    assert details[("override", "P06")] == {"rag": "amber", "comment": "Extension approved"}
    assert details[("rollback", "2")] == {"undone": [2]}


def test_the_command_line_audits_exports_and_account_changes(any_db: str | Path, tmp_path: Path) -> None:
    db = str(any_db)
    code, _ = run("export", "pptx", str(tmp_path / "q.pptx"), "--quarter", "2026-Q3", "--db", db, "--lang", "ru")
    assert code == 0
    code, text = run("users", "add", "aliya", "--role", "coordinator", "--oidc", "--db", db, "--lang", "en")
    assert code == 0, text
    code, text = run("audit", "list", "--format", "json", "--db", db, "--user", "aliya")
    assert code == 0, text
    entries = json.loads(text)
    assert [e["action"] for e in entries][:2] == ["user_add", "export"]
    assert json.loads(entries[1]["detail"]) == {
        "quarter": "2026-09-30",
        "lang": "ru",
        "program": None,
        "file": "q.pptx",
    }
    assert entries[0]["role"] == "shell"  # accounts are managed from the server's shell


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ('UPDATE audit SET detail = \'{"rag": "green", "comment": "x"}\' WHERE seq = 2', "changed"),
        ("UPDATE audit SET actor = 'Someone else' WHERE seq = 2", "changed"),
        ("DELETE FROM audit WHERE seq = 2", "broken_link"),
        ("UPDATE audit SET seq = seq + 10 WHERE seq = 3", "gap"),
    ],
)
def test_verify_finds_a_changed_removed_or_moved_row(db: Path, tamper: str, problem: str) -> None:
    con = store.connect(db)
    for i in range(3):
        set_rag_override(con, "P06", "amber", f"note {i}", as_user("Aliya"))
    assert audit.verify(con).ok
    code, text = run("audit", "verify", "--db", str(db), "--lang", "en")
    assert code == 0 and text.startswith("The audit log is intact: 4 rows; head hash ")
    con.execute(tamper)
    con.close()
    code, text = run("audit", "verify", "--db", str(db), "--lang", "en")
    assert code == 1
    con = store.connect(db)
    verdict = audit.verify(con)
    con.close()
    assert problem in {kind for _, kind in verdict.problems}, verdict.problems
    assert text.startswith("The audit log is broken")


def test_a_forged_row_with_a_recomputed_hash_still_breaks_the_chain(db: Path) -> None:
    """Someone who edits a row and recomputes its own hash leaves the next row pointing at the
    old one."""
    con = store.connect(db)
    for i in range(2):
        set_rag_override(con, "P06", "amber", f"note {i}", as_user("Aliya"))
    seq, at, actor, role, source, action, target, _, prev = con.execute(
        "SELECT seq, logged_at, actor, role, source, action, target, detail, prev_hash FROM audit WHERE seq = 2"
    ).fetchall()[0]
    forged = '{"comment": "forged", "rag": "green"}'
    digest = audit._digest(prev, seq, at, actor, role, source, action, target, forged)
    con.execute("UPDATE audit SET detail = ?, hash = ? WHERE seq = 2", [forged, digest])
    assert audit.verify(con).problems == [(3, "broken_link")]
    con.close()
