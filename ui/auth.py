"""Who is using the dashboard: sign-in, the acting user of each session, sign-out.

Three ways in, chosen by what is set up (README, "Sign-in and roles"):

- an identity provider (OIDC: Keycloak, AD FS...) configured in ``.streamlit/secrets.toml`` as
  Streamlit documents for ``st.login``; the role comes from the account with the user's e-mail
  (``pmo users add anna@gov.kz --oidc --role curator``), else from a claim of the ID token
  (``[pmo_auth] roles_claim``), else ``default_role`` (``viewer`` unless set; ``none`` refuses);
- local accounts kept in the store (``pmo users add``): a login form, argon2 hashes;
- neither, with ``PMO_AUTH=open`` (``make run`` sets it): open demo mode, shown on every page, for
  one machine only.

Anything else shows how to set sign-in up and nothing more. Failed local sign-ins are slowed
down per login; every sign-in, failed sign-in and sign-out is written to the audit log.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import Any, Final, Literal

import streamlit as st

from i18n import LANGS
from loaders import audit, store, users
from loaders.access import ACCOUNT_ROLES, Actor, Role, open_demo

from . import data
from .safe import md
from .session import KEY_LANG, LANG_NAMES, lang, tr

Mode = Literal["oidc", "local", "open", "unset"]

KEY_ACTOR: Final = "pmo_actor"
KEY_SIGN_IN_LANG: Final = "auth_lang"
KEY_TOKEN: Final = "pmo_session_token"  # a local account's browser session (the cookie's token)
KEY_COOKIE: Final = "pmo_cookie_pending"  # the cookie to set (a token) or clear ("") at the next run
COOKIE: Final = "pmo_session"
KEY_CHECKED: Final = "pmo_actor_checked"  # when the account was last looked at again
RECHECK_SECONDS: Final = 60
#: a claim's role names, most rights first (the first one the user holds is taken)
ROLE_PRECEDENCE: Final = (
    Role.OFFICE_HEAD,
    Role.COORDINATOR,
    Role.CURATOR,
    Role.PROGRAM_MANAGER,
    Role.PROJECT_MANAGER,
    Role.VIEWER,
)
MAX_FAILURES: Final = 5
FAILURE_WINDOW: Final = 15 * 60
LOCKOUT: Final = 60

_failures: dict[str, list[float]] = {}
_failures_lock = threading.Lock()


# --------------------------------------------------------------------------------------------
# What is set up


def _secrets_section(name: str) -> Mapping[str, Any] | None:
    try:
        section = st.secrets.get(name)
    except Exception:  # no secrets file at all: Streamlit raises its own error types
        return None
    return section if isinstance(section, Mapping) else None


def oidc_configured() -> bool:
    section = _secrets_section("auth")
    if not section:
        return False
    return "client_id" in section or any(isinstance(v, Mapping) and "client_id" in v for v in section.values())


def _pmo_auth() -> Mapping[str, Any]:
    return _secrets_section("pmo_auth") or {}


_mode_seen: dict[str, tuple[Mode, float]] = {}
MODE_SECONDS: Final = 10  # how long what was found is trusted before looking at the store again


def mode() -> Mode:
    """How users sign in here; looked up in the store at most every few seconds per store."""
    if oidc_configured():
        return "oidc"
    path = data.db_path()
    seen = _mode_seen.get(path)
    if seen is not None and time.monotonic() - seen[1] < MODE_SECONDS:
        return seen[0]
    try:
        with data.read(wait=None if seen is None else 1.0) as con:
            local = users.any_local(con)
    except store.StoreBusy:
        if seen is None:
            raise
        return seen[0]  # another process is writing: what was true a moment ago still is
    found: Mode = (
        "local" if local else "open" if os.environ.get("PMO_AUTH", "").strip().casefold() == "open" else "unset"
    )
    _mode_seen[path] = (found, time.monotonic())
    return found


def current() -> Actor:
    """The acting user of this session (``gate`` has put one there)."""
    actor = st.session_state.get(KEY_ACTOR)
    if not isinstance(actor, Actor):
        raise RuntimeError("no one is signed in")
    return actor


# --------------------------------------------------------------------------------------------
# The gate


def gate() -> Actor:
    """The user of this session, signing them in first if needed; a page without a user stops here."""
    _write_cookie()
    actor = st.session_state.get(KEY_ACTOR)
    if isinstance(actor, Actor) and _still_valid(actor):
        return actor
    st.session_state.pop(KEY_ACTOR, None)
    how = mode()
    if how == "local":
        actor = _from_cookie()
        if actor is not None:
            return actor
    if how == "open":
        actor = open_demo()
        st.session_state[KEY_ACTOR] = actor
        return actor
    if how == "oidc":
        actor = _from_identity_provider()
        if actor is not None:
            _signed_in(actor)
            return actor
    # every page is named but none is shown or run (else Streamlit would list the pages/ folder):
    # the page asked for stays the current one, and opens once the user is signed in
    from .nav import PAGES

    st.navigation([st.Page(p.path, default=p.default) for pages in PAGES.values() for p in pages], position="hidden")
    _screen(how)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def _still_valid(actor: Actor) -> bool:
    """Look at a signed-in account again now and then: a disabled one is signed out."""
    if actor.source == "open":
        return mode() == "open"
    checked = float(st.session_state.get(KEY_CHECKED, 0.0))
    if time.monotonic() - checked < RECHECK_SECONDS:
        return True
    st.session_state[KEY_CHECKED] = time.monotonic()
    token = st.session_state.get(KEY_TOKEN)
    try:
        with data.read(wait=1.0) as con:
            if actor.source == "local":
                account = users.session_account(con, token) if token else users.get(con, actor.login)
            else:
                account = users.by_email(con, actor.login)
    except store.StoreBusy:
        st.session_state[KEY_CHECKED] = 0.0
        return True  # looked at again at the next rerun
    if account is None:
        return actor.source == "oidc"  # a provider's user known by a claim or the default role
    return not account.disabled and account.role == actor.role


def _signed_in(actor: Actor, account: users.Account | None = None) -> None:
    """Audit the sign-in; a local account's browser also gets a session cookie (so a reload or a
    new tab does not ask again, for ``users.SESSION_HOURS``)."""
    st.session_state[KEY_ACTOR] = actor
    st.session_state[KEY_CHECKED] = time.monotonic()
    with data.write() as con, store.transaction(con):
        audit.record(con, actor, "sign_in", actor.login, {"source": actor.source})
        if account is not None:
            token = users.start_session(con, account)
            st.session_state[KEY_TOKEN] = st.session_state[KEY_COOKIE] = token


def _from_cookie() -> Actor | None:
    """A local account whose browser still holds a session of theirs."""
    token = st.context.cookies.get(COOKIE)
    if not isinstance(token, str) or not token:  # no browser (AppTest) or no cookie
        return None
    try:
        with data.read(wait=1.0) as con:
            account = users.session_account(con, token)
    except store.StoreBusy:
        return None
    if account is None:
        return None
    actor = account.actor("local")
    st.session_state[KEY_ACTOR] = actor
    st.session_state[KEY_TOKEN] = token
    st.session_state[KEY_CHECKED] = time.monotonic()
    return actor


def _write_cookie() -> None:
    """Set or clear the session cookie in the browser (a fixed script; the token is URL-safe
    base64 made here, never data)."""
    value = st.session_state.pop(KEY_COOKIE, None)
    if value is None:
        return
    age = int(users.SESSION_HOURS * 3600) if value else 0
    st.html(
        "<script>document.cookie = '"
        + f"{COOKIE}={value}; Path=/; SameSite=Strict; Max-Age={age}"
        + "' + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


def _from_identity_provider() -> Actor | None:
    """The provider's user with the role the store or the token gives them; None when not signed
    in at the provider, or when their role is none."""
    user = st.user
    if not user.is_logged_in:
        return None
    email = str(user.get("email") or user.get("preferred_username") or user.get("sub") or "").strip().casefold()
    name = str(user.get("name") or email)
    with data.read() as con:
        account = users.by_email(con, email) if email else None
    if account is not None:
        if account.disabled:
            return None
        return Actor(email, account.name or name, account.role, "oidc")
    role = _claimed_role(user) or _default_role()
    return None if role is None else Actor(email, name, role, "oidc")


def _claimed_role(user: Any) -> Role | None:
    claim = _pmo_auth().get("roles_claim")
    if not claim:
        return None
    value = user.get(str(claim))
    held = {str(v).strip().casefold() for v in (value if isinstance(value, list | tuple) else [value]) if v}
    mapping = _pmo_auth().get("role_names") or {}
    held |= {str(ours) for theirs, ours in mapping.items() if str(theirs).casefold() in held}
    return next((r for r in ROLE_PRECEDENCE if r.value in held), None)


def _default_role() -> Role | None:
    value = str(_pmo_auth().get("default_role", Role.VIEWER.value)).strip()
    return next((r for r in ACCOUNT_ROLES if r.value == value), None)


# --------------------------------------------------------------------------------------------
# The screens


def _take_language() -> None:
    st.session_state[KEY_LANG] = st.session_state[KEY_SIGN_IN_LANG]


def _language() -> None:
    """The language of the sign-in screen; the sidebar's selector takes it over after sign-in (a
    widget of its own here: one key cannot belong to two different widgets)."""
    st.selectbox(
        tr("side.language"),
        LANGS,
        index=LANGS.index(lang()),
        key=KEY_SIGN_IN_LANG,
        format_func=lambda c: LANG_NAMES[c],
        on_change=_take_language,
        width=220,
    )


def _screen(how: Mode) -> None:
    st.title(tr("auth.title"))
    _language()
    if how == "oidc":
        _oidc_screen()
    elif how == "local":
        _local_screen()
    else:
        st.warning(tr("auth.unset"), icon=":material/lock:")
        st.code("pmo users add LOGIN --role office_head --name 'Name Surname'\nPMO_AUTH=open make run", language="sh")


def _oidc_screen() -> None:
    user = st.user
    if user.is_logged_in:  # signed in at the provider, but without a role here
        st.error(tr("auth.no_role", user=md(user.get("email") or user.get("name") or "")), icon=":material/block:")
        if st.button(tr("auth.sign_out"), key="auth_oidc_out"):
            st.logout()
        return
    st.caption(tr("auth.oidc_hint"))
    provider = _pmo_auth().get("provider")
    if st.button(tr("auth.sign_in_oidc"), type="primary", key="auth_oidc_in", icon=":material/login:"):
        st.login(str(provider) if provider else None)


def _throttled(login: str) -> bool:
    now = time.monotonic()
    with _failures_lock:
        recent = [t for t in _failures.get(login, []) if now - t < FAILURE_WINDOW]
        _failures[login] = recent
        return len(recent) >= MAX_FAILURES and now - recent[-1] < LOCKOUT


def _failed(login: str) -> None:
    with _failures_lock:
        _failures.setdefault(login, []).append(time.monotonic())


def _local_screen() -> None:
    with st.form("auth_local", border=True, width=420):
        login = st.text_input(tr("auth.login"), key="auth_login", max_chars=80, autocomplete="username")
        password = st.text_input(
            tr("auth.password"), key="auth_password", type="password", max_chars=200, autocomplete="current-password"
        )
        submitted = st.form_submit_button(
            tr("auth.sign_in"), key="auth_submit", type="primary", icon=":material/login:"
        )
    if not submitted:
        return
    key = login.strip().casefold()
    if _throttled(key):
        st.error(tr("auth.throttled", seconds=LOCKOUT), icon=":material/timer:")
        return
    with data.read() as con:
        account = users.authenticate(con, key, password)
    if account is None:
        _failed(key)
        with data.write() as con, store.transaction(con):
            audit.record(con, Actor(key or "?", key or "?", Role.VIEWER, "local"), "sign_in_failed", key)
        st.error(tr("auth.wrong"), icon=":material/error:")
        return
    _signed_in(account.actor("local"), account)
    st.session_state.pop("auth_password", None)
    st.rerun()


def sidebar_user(actor: Actor) -> None:
    """Who is signed in and as what; sign out. Open demo mode says plainly what it is."""
    if actor.role is Role.OPEN_DEMO:
        st.warning(tr("auth.open_banner"), icon=":material/lock_open:")
        return
    st.caption(tr("auth.signed_in_as", user=md(actor.name), role=tr(f"role.{actor.role.value}")))
    if st.button(tr("auth.sign_out"), key="auth_sign_out", icon=":material/logout:", type="tertiary"):
        token = st.session_state.pop(KEY_TOKEN, None)
        with data.write() as con, store.transaction(con):
            audit.record(con, actor, "sign_out", actor.login)
            if token:
                users.end_session(con, token)
                st.session_state[KEY_COOKIE] = ""  # cleared at the next run
        st.session_state.pop(KEY_ACTOR, None)
        if actor.source == "oidc":
            st.logout()
        st.rerun()
