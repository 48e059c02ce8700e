"""Accounts and sign-in: ``pmo users`` (add, list, disable, enable, role, passwd), argon2 hashes,
the dashboard's local sign-in (AppTest) with its audit rows and slow-down, the pages each role
opens and what it may do on them, and a dashboard with no sign-in set up."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from loaders import audit, store, users
from loaders.access import Actor, Role
from pmo.cli import main
from tests.apptest import errors, open_page, plain
from tests.builders import as_user
from ui import auth
from ui.nav import pages_for

PASSWORD = "correct horse battery"


def run(*argv: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str]:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def add(db: Path, login: str, role: Role, name: str, password: str | None = PASSWORD) -> None:
    con = store.connect(db)
    try:
        users.add(con, as_user("admin"), login, name=name, role=role, password=password)
    finally:
        con.close()


def log(db: Path, action: str) -> list[tuple[str, str]]:
    con = store.connect(db)
    try:
        rows = audit.entries(con, as_user("auditor"), actions=(action,))
    finally:
        con.close()
    return list(zip(rows["actor"], rows["target"], strict=True))


@pytest.fixture(autouse=True)
def _fresh_auth_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the dashboard process remembers between sessions (sign-in mode, failed attempts)."""
    monkeypatch.setattr(auth, "_mode_seen", {})
    monkeypatch.setattr(auth, "_failures", {})


# --------------------------------------------------------------------------------------------
# pmo users


def test_users_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "u.duckdb")
    code, text = run(
        "users", "add", "Aliya", "--role", "coordinator", "--name", "Әлия Сейітова", "--password-stdin", "--db", db,
        "--lang", "en", stdin=PASSWORD + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert (code, text.strip()) == (0, "Account 'aliya' added: Project office coordinator.")
    code, text = run("users", "add", "xy", "--role", "viewer", "--password-stdin", "--db", db, "--lang", "en",
                     stdin="short\n", monkeypatch=monkeypatch)  # fmt: skip
    assert (code, text.strip()) == (1, "The password must have at least 10 characters.")
    code, text = run("users", "add", "marat@gov.kz", "--role", "curator", "--oidc", "--db", db, "--lang", "ru")
    assert code == 0
    code, text = run("users", "list", "--db", db, "--lang", "ru")
    lines = text.splitlines()
    assert lines[0].split() == ["Логин", "ФИО", "Роль", "E-mail", "Вход", "Состояние"]
    assert "aliya" in lines[2] and "локальная" in lines[2] and "включена" in lines[2]
    assert "marat@gov.kz" in lines[3] and "провайдер" in lines[3]

    con = store.connect(db)
    assert users.authenticate(con, "ALIYA ", PASSWORD) is not None  # the login ignores case and spaces
    assert users.authenticate(con, "aliya", "wrong password") is None
    assert users.authenticate(con, "nobody", PASSWORD) is None
    assert users.authenticate(con, "marat@gov.kz", "") is None  # a provider's user has no password here
    stored = con.execute("SELECT password_hash FROM users WHERE login = 'aliya'").fetchall()[0][0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    con.close()

    assert run("users", "disable", "aliya", "--db", db, "--lang", "en")[0] == 0
    con = store.connect(db)
    assert users.authenticate(con, "aliya", PASSWORD) is None  # disabled: refused
    con.close()
    assert run("users", "enable", "aliya", "--db", db)[0] == 0
    code, _ = run("users", "passwd", "aliya", "--password-stdin", "--db", db, stdin="another long one\n",
                  monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0
    assert run("users", "role", "aliya", "office_head", "--db", db)[0] == 0
    con = store.connect(db)
    account = users.authenticate(con, "aliya", "another long one")
    con.close()
    assert account is not None and account.role is Role.OFFICE_HEAD
    assert [a for a, _ in log(Path(db), "user_update")] != []


def test_the_command_line_acts_as_a_named_account(tmp_path: Path, demo_store: Path) -> None:
    db = tmp_path / "d.duckdb"
    shutil.copyfile(demo_store, db)
    add(db, "dana", Role.VIEWER, "Dana")
    code, text = run("rollback", "1", "--db", str(db), "--user", "dana", "--lang", "en")
    assert (code, text.strip()) == (4, "Dana (Viewer) may not roll back imports.")
    code, text = run("rollback", "1", "--db", str(db), "--user", "stranger", "--lang", "en")
    assert code == 4 and "There is no enabled account 'stranger'" in text
    add(db, "aliya", Role.COORDINATOR, "Aliya")
    assert run("rollback", "1", "--db", str(db), "--user", "aliya")[0] == 0
    assert log(db, "rollback") == [("Aliya (aliya)", "1")]


# --------------------------------------------------------------------------------------------
# The dashboard


def sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="auth_login").input(login)
    at.text_input(key="auth_password").input(password)
    return at.button(key="auth_submit").click().run()


def test_local_sign_in_is_audited_and_slowed_down_after_failures(demo_db: Path) -> None:
    add(demo_db, "aliya", Role.COORDINATOR, "Әлия Сейітова")
    at = open_page("upload", lang="en")
    assert errors(at) == []
    assert at.title[0].value == t("auth.title", "en")  # the sign-in screen, and nothing else
    assert not at.sidebar.selectbox and not at.dataframe
    sign_in(at, "aliya", "not the password")
    assert [e.value for e in at.error] == [t("auth.wrong", "en")]
    assert log(demo_db, "sign_in_failed") == [("aliya", "aliya")]

    sign_in(at, "aliya", PASSWORD)
    assert errors(at) == []
    assert at.title[0].value == t("page.upload", "en")
    assert t("auth.signed_in_as", "en", user="Әлия Сейітова", role=t("role.coordinator", "en")) in [
        plain(c.value) for c in at.sidebar.caption
    ]
    assert log(demo_db, "sign_in") == [("Әлия Сейітова (aliya)", "aliya")]

    other = open_page("overview", lang="en")
    for _ in range(auth.MAX_FAILURES):
        sign_in(other, "aliya", "wrong again")
    sign_in(other, "aliya", PASSWORD)  # the right password, too soon after five wrong ones
    assert [e.value for e in other.error][-1] == t("auth.throttled", "en", seconds=auth.LOCKOUT)


def test_each_role_opens_its_pages() -> None:
    def opened(role: Role) -> set[str]:
        actor = Actor("x", "x", role, "local")
        return {p.path.removeprefix("pages/").removesuffix(".py") for ps in pages_for(actor).values() for p in ps}

    everyone = {"overview", "digest", "kpi", "risks", "overdue", "roadmaps", "passport", "meeting_load", "budget"}
    everyone |= {"meeting"}
    everyone |= {"settings"}
    assert opened(Role.VIEWER) == everyone
    assert opened(Role.CURATOR) == everyone | {"audit"}
    assert opened(Role.PROJECT_MANAGER) == everyone | {"upload"}
    assert opened(Role.COORDINATOR) == everyone | {"upload", "audit"}
    assert opened(Role.OPEN_DEMO) == everyone | {"upload", "audit"}


def test_a_viewer_reads_but_changes_nothing(demo_db: Path) -> None:
    add(demo_db, "dana", Role.VIEWER, "Dana")
    at = sign_in(open_page("settings", lang="en"), "dana", PASSWORD)
    assert errors(at) == []
    assert all(n.disabled for n in at.number_input)
    assert at.button(key="settings_save_risks").disabled
    at = sign_in(open_page("passport", lang="en", pid="P06"), "dana", PASSWORD)
    assert errors(at) == []
    assert not [b for b in at.button if b.key == "passport_ovr_save"]  # no override form
    assert [e.label for e in at.expander if e.label == t("passport.history_title", "en")]


def test_a_project_manager_uploads_only_their_projects(demo_db: Path) -> None:
    con = store.connect(demo_db)
    manager = con.execute("SELECT project_manager FROM projects WHERE project_id = 'P01'").fetchall()[0][0]
    con.close()
    add(demo_db, "pm", Role.PROJECT_MANAGER, manager)
    at = sign_in(open_page("upload", lang="en"), "pm", PASSWORD)
    assert t("upload.scope_own", "en") in plain(" ".join(c.value for c in at.caption))
    rows = (
        b"project_id,name,start_date,end_date\n"
        b"P01,Mine renamed,15.01.2025,31.12.2026\nP02,Not mine,01.02.2025,31.12.2026\n"
    )
    at.file_uploader[0].set_value([("p.csv", rows, "text/csv")])
    at.run()
    assert errors(at) == [t("upload.blocked", "en", count=1)]
    reasons = next(df.value for df in at.dataframe if "Reason" in df.value.columns)
    assert reasons["Value"].tolist() == ["P02"] and reasons["Excel row"].tolist() == [3]
    assert "rollback" not in " ".join(s.value for s in at.subheader).casefold()  # no rollback for a manager
    assert not [b for b in at.button if b.key == "upload_rb_go"]


def test_the_curator_decides_a_change_request(demo_db: Path) -> None:
    con = store.connect(demo_db)
    pending = con.execute(
        "SELECT change_id, project_id FROM changes WHERE decision IS NULL OR decision = 'pending' ORDER BY 1"
    ).fetchall()
    con.close()
    change, pid = pending[0]
    add(demo_db, "marat", Role.CURATOR, "Marat")
    at = sign_in(open_page("passport", as_of=None, lang="en", pid=pid), "marat", PASSWORD)
    assert errors(at) == []
    at.selectbox(key="passport_cr_pick").set_value(change)
    at.radio(key="passport_cr_decision").set_value("rejected")
    at.button(key="passport_cr_save").click().run()
    assert errors(at) == []
    con = store.connect(demo_db)
    assert con.execute("SELECT decision FROM changes WHERE change_id = ?", [change]).fetchall() == [("rejected",)]
    con.close()
    assert log(demo_db, "change_decision") == [("Marat (marat)", change)]


def test_without_any_sign_in_set_up_the_dashboard_says_how(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PMO_AUTH")
    at = open_page("overview", lang="ru")
    assert errors(at) == []
    assert [w.value for w in at.warning] == [t("auth.unset", "ru")]
    assert not at.dataframe and not at.metric
