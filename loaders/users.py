"""User accounts kept in the store: local sign-in for a machine without an identity provider, and
the role of each person who signs in through one.

A local account has an argon2 password hash (``argon2-cffi``: memory-hard, salted, the hash
carries its own parameters); an account without a password names the role of an identity
provider's user, matched by e-mail (``pmo users add anna@gov.kz --role curator --oidc``). Accounts
are never deleted, only disabled, so the audit log keeps naming real people. Every change is
written to the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from . import audit
from .access import ACCOUNT_ROLES, Actor, Role
from .store import fetch_one, transaction

if TYPE_CHECKING:
    import pandas as pd

MIN_PASSWORD: Final = 10
SESSION_HOURS: Final = 12  # a working day: a browser signed in in the morning stays so until evening
_LOGIN = re.compile(r"^[\w.@+-]{2,80}$")
_HASHER: Final = PasswordHasher()


@cache
def _dummy() -> str:
    """A hash to check against when the login is unknown, so both answers take as long (made at
    the first sign-in, not on import: a command line that signs nobody in does not pay 0.1 s)."""
    return _HASHER.hash("not a password of anyone")


class UserError(ValueError):
    """A refused account change; ``code`` is a catalog key under ``users.``."""

    def __init__(self, code: str, login: str = "") -> None:
        self.code = code
        self.login = login
        super().__init__(f"{code}: {login}")


@dataclass(frozen=True)
class Account:
    login: str
    name: str
    role: Role
    email: str | None
    disabled: bool
    local: bool  # has a password (else: a role for an identity provider's user)

    def actor(self, source: str) -> Actor:
        return Actor(self.login, self.name, self.role, "oidc" if source == "oidc" else "local")


def _account(row: tuple[object, ...]) -> Account:
    return Account(
        str(row[0]), str(row[1]), Role(str(row[2])), str(row[3]) if row[3] else None, bool(row[4]), bool(row[5])
    )


_COLUMNS: Final = "login, name, role, email, disabled, password_hash IS NOT NULL"


def any_local(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether local sign-in is set up (at least one enabled account with a password)."""
    row = fetch_one(con, "SELECT count(*) FROM users WHERE password_hash IS NOT NULL AND NOT disabled")
    return bool(row and int(str(row[0])))


def any_account(con: duckdb.DuckDBPyConnection) -> bool:
    row = fetch_one(con, "SELECT count(*) FROM users")
    return bool(row and int(str(row[0])))


def get(con: duckdb.DuckDBPyConnection, login: str) -> Account | None:
    row = fetch_one(con, f"SELECT {_COLUMNS} FROM users WHERE login = ?", [login.strip().casefold()])  # noqa: S608
    return _account(row) if row else None


def by_email(con: duckdb.DuckDBPyConnection, email: str) -> Account | None:
    row = fetch_one(
        con,
        f"SELECT {_COLUMNS} FROM users WHERE lower(email) = ? OR login = ? ORDER BY login LIMIT 1",  # noqa: S608
        [email.strip().casefold(), email.strip().casefold()],
    )
    return _account(row) if row else None


def listing(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT login, name, role, email, disabled, password_hash IS NOT NULL AS local, created_at, updated_at "
        "FROM users ORDER BY login"
    ).df()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError("password_short")


def add(
    con: duckdb.DuckDBPyConnection,
    by: Actor,
    login: str,
    *,
    name: str,
    role: Role,
    password: str | None,
    email: str | None = None,
) -> Account:
    """A new account; ``password=None`` makes it an identity provider's user (matched by e-mail)."""
    key = login.strip().casefold()
    if not _LOGIN.match(key):
        raise UserError("bad_login", login)
    if role not in ACCOUNT_ROLES:
        raise UserError("bad_role", login)
    if password is not None:
        _check_password(password)
    if get(con, key) is not None:
        raise UserError("exists", key)
    now = dt.datetime.now()
    digest = _HASHER.hash(password) if password is not None else None
    mail = (email or (key if "@" in key else "")).strip().casefold() or None
    with transaction(con):
        con.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, false, ?, ?)",
            [key, name.strip() or key, role.value, digest, mail, now, now],
        )
        audit.record(con, by, "user_add", key, {"role": role.value, "name": name, "local": password is not None})
    account = get(con, key)
    assert account is not None
    return account


def update(
    con: duckdb.DuckDBPyConnection,
    by: Actor,
    login: str,
    *,
    role: Role | None = None,
    name: str | None = None,
    disabled: bool | None = None,
    password: str | None = None,
) -> Account:
    """Change an account's role, name, state or password (each change audited)."""
    account = get(con, login)
    if account is None:
        raise UserError("unknown", login)
    changes: dict[str, object] = {}
    sets: list[str] = []
    params: list[object] = []
    if role is not None and role != account.role:
        if role not in ACCOUNT_ROLES:
            raise UserError("bad_role", login)
        sets.append("role = ?")
        params.append(role.value)
        changes["role"] = [account.role.value, role.value]
    if name is not None and name.strip() and name.strip() != account.name:
        sets.append("name = ?")
        params.append(name.strip())
        changes["name"] = [account.name, name.strip()]
    if disabled is not None and disabled != account.disabled:
        sets.append("disabled = ?")
        params.append(disabled)
        changes["disabled"] = [account.disabled, disabled]
    if password is not None:
        _check_password(password)
        sets.append("password_hash = ?")
        params.append(_HASHER.hash(password))
        changes["password"] = "changed"
    if not sets:
        return account
    with transaction(con):
        con.execute(
            f"UPDATE users SET {', '.join(sets)}, updated_at = ? WHERE login = ?",  # noqa: S608 - fixed clauses
            [*params, dt.datetime.now(), account.login],
        )
        if "password" in changes or changes.get("disabled") == [False, True]:
            con.execute("DELETE FROM sessions WHERE login = ?", [account.login])  # signed out everywhere
        audit.record(con, by, "user_update", account.login, changes)
    updated = get(con, account.login)
    assert updated is not None
    return updated


def authenticate(con: duckdb.DuckDBPyConnection, login: str, password: str) -> Account | None:
    """The enabled local account whose password this is; None otherwise (an unknown login costs
    as much time as a wrong password, so the answer does not tell which)."""
    key = login.strip().casefold()
    row = fetch_one(con, "SELECT password_hash, disabled FROM users WHERE login = ?", [key])
    stored = str(row[0]) if row and row[0] else None
    try:
        _HASHER.verify(stored or _dummy(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if stored is None or (row is not None and bool(row[1])):
        return None
    return get(con, key)


# --------------------------------------------------------------------------------------------
# Browser sessions of local accounts (an identity provider keeps its own, in Streamlit's cookie)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_session(con: duckdb.DuckDBPyConnection, account: Account, hours: float = SESSION_HOURS) -> str:
    """A random token for the browser's cookie; the store keeps only its hash, and until when it
    holds (inside the caller's ``store.transaction``, with the sign-in's audit row)."""
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now()
    con.execute("DELETE FROM sessions WHERE expires_at < ?", [now])
    con.execute(
        "INSERT INTO sessions VALUES (?, ?, ?, ?)",
        [_token_hash(token), account.login, now, now + dt.timedelta(hours=hours)],
    )
    return token


def session_account(con: duckdb.DuckDBPyConnection, token: str) -> Account | None:
    """The enabled account a cookie's token signs in, while it holds."""
    row = fetch_one(
        con,
        "SELECT login FROM sessions WHERE token_hash = ? AND expires_at > ?",
        [_token_hash(token), dt.datetime.now()],
    )
    if row is None:
        return None
    account = get(con, str(row[0]))
    return account if account is not None and account.local and not account.disabled else None


def end_session(con: duckdb.DuckDBPyConnection, token: str) -> None:
    """Forget a browser's session (inside the caller's ``store.transaction``, with the sign-out's
    audit row)."""
    con.execute("DELETE FROM sessions WHERE token_hash = ?", [_token_hash(token)])
