"""``pmo users add|disable|enable|passwd|role|list`` and ``pmo audit verify|list``.

Accounts are managed from a shell on the server (whoever can run this can also read the store
file); each change is audited under the system login. A password is typed twice at a prompt, or
read from standard input with ``--password-stdin`` (for scripts).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from i18n import t

from .cli import LazyChoices
from .textable import render, terminal_width

if TYPE_CHECKING:
    from loaders import users
    from loaders.access import Actor


def _roles() -> list[str]:
    from loaders.access import ACCOUNT_ROLES

    return [r.value for r in ACCOUNT_ROLES]


def _actions() -> tuple[str, ...]:
    from loaders import audit

    return audit.ACTIONS


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    tx: Callable[[str], str],
) -> None:
    """Accounts and audit live in modules that import DuckDB and pandas: their roles and actions
    are read when argparse needs them (a value to check, a help to show), not when the parser is
    built; so each such argument names its metavar (argparse would list the choices for it)."""
    roles = LazyChoices(_roles)
    p = sub.add_parser("users", parents=[common], help=tx("users"), description=tx("users"))
    act = p.add_subparsers(dest="users_action", required=True)

    a = act.add_parser("add", parents=[common], help=tx("users_add"), description=tx("users_add"))
    a.add_argument("login", help=tx("login"))
    a.add_argument("--role", required=True, choices=roles, metavar="ROLE", help=tx("role"))
    a.add_argument("--name", default=None, help=tx("person_name"))
    a.add_argument("--email", default=None, help=tx("email"))
    a.add_argument("--oidc", action="store_true", help=tx("oidc"))
    a.add_argument("--password-stdin", action="store_true", help=tx("password_stdin"))
    a.set_defaults(run=cmd_add)

    for name, run in (("disable", cmd_disable), ("enable", cmd_enable)):
        d = act.add_parser(name, parents=[common], help=tx(f"users_{name}"), description=tx(f"users_{name}"))
        d.add_argument("login", help=tx("login"))
        d.set_defaults(run=run)

    w = act.add_parser("passwd", parents=[common], help=tx("users_passwd"), description=tx("users_passwd"))
    w.add_argument("login", help=tx("login"))
    w.add_argument("--password-stdin", action="store_true", help=tx("password_stdin"))
    w.set_defaults(run=cmd_passwd)

    r = act.add_parser("role", parents=[common], help=tx("users_role"), description=tx("users_role"))
    r.add_argument("login", help=tx("login"))
    r.add_argument("role", choices=roles, metavar="ROLE", help=tx("role"))
    r.set_defaults(run=cmd_role)

    ls = act.add_parser("list", parents=[common], help=tx("users_list"), description=tx("users_list"))
    ls.set_defaults(run=cmd_list)

    p = sub.add_parser("audit", parents=[common], help=tx("audit"), description=tx("audit"))
    act = p.add_subparsers(dest="audit_action", required=True)
    v = act.add_parser("verify", parents=[common], help=tx("audit_verify"), description=tx("audit_verify"))
    v.set_defaults(run=cmd_verify)
    e = act.add_parser("list", parents=[common], help=tx("audit_list"), description=tx("audit_list"))
    e.add_argument("--since", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD", help=tx("since"))
    e.add_argument("--until", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD", help=tx("until"))
    e.add_argument("--actor", default=None, help=tx("actor"))
    e.add_argument(
        "--action",
        action="append",
        choices=LazyChoices(_actions),
        default=None,
        metavar="ACTION",
        help=f"{tx('action')} {{%(choices)s}}",
    )
    e.add_argument("--format", choices=("table", "csv", "json"), default="table", help=tx("format"))
    e.set_defaults(run=cmd_audit_list)


def _admin(args: argparse.Namespace) -> Actor:
    """Whoever runs ``pmo users`` on the server: named by the system login."""
    from loaders.access import Actor, Role

    from .cli import _system_user

    login = _system_user()
    return Actor(login, login, Role.SHELL, "cli")


def _password(args: argparse.Namespace) -> str:
    from loaders import users

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(t("cli.users.password", args.lang))
    if getpass.getpass(t("cli.users.password_again", args.lang)) != first:
        raise users.UserError("password_mismatch")
    return first


def _refused(err: users.UserError, args: argparse.Namespace, out: TextIO) -> int:
    from loaders import users

    print(t(f"users.{err.code}", args.lang, login=err.login, min=users.MIN_PASSWORD), file=out)
    return 1


def cmd_add(args: argparse.Namespace, out: TextIO) -> int:
    from loaders import users
    from loaders.access import Role

    from .cli import opened

    try:
        password = None if args.oidc else _password(args)
        with opened(args) as con:
            account = users.add(
                con,
                _admin(args),
                args.login,
                name=args.name or args.login,
                role=Role(args.role),
                password=password,
                email=args.email,
            )
    except users.UserError as err:
        return _refused(err, args, out)
    print(
        t("cli.users.added", args.lang, login=account.login, role=t(f"role.{account.role.value}", args.lang)), file=out
    )
    return 0


def _update(args: argparse.Namespace, out: TextIO, message: str, **change: object) -> int:
    from loaders import users

    from .cli import opened

    try:
        with opened(args) as con:
            account = users.update(con, _admin(args), args.login, **change)  # type: ignore[arg-type]
    except users.UserError as err:
        return _refused(err, args, out)
    print(t(message, args.lang, login=account.login, role=t(f"role.{account.role.value}", args.lang)), file=out)
    return 0


def cmd_disable(args: argparse.Namespace, out: TextIO) -> int:
    return _update(args, out, "cli.users.disabled", disabled=True)


def cmd_enable(args: argparse.Namespace, out: TextIO) -> int:
    return _update(args, out, "cli.users.enabled", disabled=False)


def cmd_role(args: argparse.Namespace, out: TextIO) -> int:
    from loaders.access import Role

    return _update(args, out, "cli.users.role_set", role=Role(args.role))


def cmd_passwd(args: argparse.Namespace, out: TextIO) -> int:
    from loaders import users

    try:
        password = _password(args)
    except users.UserError as err:
        return _refused(err, args, out)
    return _update(args, out, "cli.users.password_set", password=password)


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    from loaders import users

    from .cli import opened

    with opened(args, read_only=True) as con:
        df = users.listing(con)
    if df.empty:
        print(t("cli.users.none", args.lang), file=out)
        return 0
    lang = args.lang
    heads = [t(f"cli.users.col.{c}", lang) for c in ("login", "name", "role", "email", "kind", "state")]
    rows = [
        [
            r.login,
            r.name,
            t(f"role.{r.role}", lang),
            r.email or "",
            t("cli.users.local" if r.local else "cli.users.oidc", lang),
            t("cli.users.off" if r.disabled else "cli.users.on", lang),
        ]
        for r in df.itertuples()
    ]
    print(render(heads, rows), file=out)
    return 0


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    from loaders import audit

    from .cli import opened

    with opened(args, read_only=True) as con:
        verdict = audit.verify(con)
    lang = args.lang
    if verdict.ok:
        print(t("cli.audit.ok", lang, rows=verdict.rows, head=verdict.head), file=out)
        return 0
    print(t("cli.audit.broken", lang, count=len(verdict.problems), rows=verdict.rows), file=out)
    for seq, kind in verdict.problems:
        print(t(f"cli.audit.problem.{kind}", lang, seq=seq), file=out)
    return 1


def cmd_audit_list(args: argparse.Namespace, out: TextIO) -> int:
    from loaders import audit

    from .cli import acting, opened

    with opened(args, read_only=True) as con:
        df = audit.entries(
            con,
            acting(con, args, out),
            since=args.since,
            until=args.until,
            actor=args.actor,
            actions=tuple(args.action) if args.action else None,
        )
    cols = ["seq", "at", "actor", "role", "source", "action", "target", "detail"]
    records = [
        {c: (f"{v:%Y-%m-%dT%H:%M:%S}" if c == "at" else v) for c, v in zip(cols, row, strict=True)}
        for row in df[cols].itertuples(index=False)
    ]
    if args.format == "json":
        json.dump(records, out, ensure_ascii=False, indent=1, default=str)
        out.write("\n")
    elif args.format == "csv":
        writer = csv.DictWriter(out, fieldnames=cols)
        writer.writeheader()
        writer.writerows(records)
    else:
        heads = [t(f"cli.audit.col.{c}", args.lang) for c in cols]
        body = [[r[c] for c in cols] for r in records]
        print(render(heads, body, max_width=80, wrap=[cols.index("detail")], width=terminal_width(out)), file=out)
    return 0
