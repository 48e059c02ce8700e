"""``pmo``: import, template, demo, batches, rollback, users, audit (and the report and exports).

Every line it prints comes from the kk/ru/en catalog; ``--lang`` (or ``PMO_LANG``) picks the
language, Kazakh by default.

The command line acts as a named user (``--user``, else ``PMO_USER``, else the system login):
when the store has accounts, that login must be one of them, enabled, and its role decides what
the command may do; a store with no account is in open demo mode, like the dashboard. Managing
accounts (``pmo users``) is for whoever has a shell on the server. The store is opened for the
command's own work only; when another process holds it, the command waits (``--wait``, else
``PMO_BUSY_WAIT``, else 30 s) and then says so.

Exit codes: 0 done; 1 refused input (the import's error table, a bad profile, a failed audit
check); 2 wrong arguments; 3 the store stayed busy; 4 not allowed for this user's role.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import duckdb

from i18n import DEFAULT_LANG, LANGS, t
from loaders import store, template, users
from loaders.access import AccessDenied, Actor, Role
from loaders.importer import ImportPlan, import_files
from loaders.issues import ISSUE_COLUMNS, ReadError
from loaders.mapping import Profile, load_profile
from loaders.reader import Loaded
from loaders.schema import TABLES

from .textable import render

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_BUSY, EXIT_DENIED = 0, 1, 2, 3, 4

DEMO_WORKBOOK = store.PROJECT_ROOT / "data" / "demo_portfolio.xlsx"
#: the date the demo portfolio describes (data/make_demo.py, AS_OF): the dashboard opens at it
DEMO_AS_OF = dt.date(2026, 9, 30)

Command = Callable[[argparse.Namespace, TextIO], int]


def _env_lang() -> str:
    lang = os.environ.get("PMO_LANG", DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "pmo"


def _user() -> str:
    return os.environ.get("PMO_USER") or _system_user()


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    h = lang or _env_lang()

    def tx(key: str) -> str:
        return t(f"cli.help.{key}", h)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=None, help=tx("db"))
    common.add_argument("--lang", choices=LANGS, default=_env_lang(), help=tx("lang"))
    common.add_argument("--user", default=_user(), help=tx("user"))
    common.add_argument("--wait", type=float, default=None, metavar="SECONDS", help=tx("wait"))

    parser = argparse.ArgumentParser(prog="pmo", description=tx("prog"))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", parents=[common], help=tx("import"), description=tx("import"))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help=tx("files"))
    p.add_argument("--mapping", default=None, metavar="PROFILE", help=tx("mapping"))
    p.add_argument("--dry-run", action="store_true", help=tx("dry_run"))
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("template", parents=[common], help=tx("template"), description=tx("template"))
    p.add_argument("out", type=Path, metavar="OUT.xlsx", help=tx("out"))
    p.set_defaults(run=cmd_template)

    p = sub.add_parser("demo", parents=[common], help=tx("demo"), description=tx("demo"))
    p.add_argument("--if-empty", action="store_true", help=tx("if_empty"))
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("batches", parents=[common], help=tx("batches"), description=tx("batches"))
    p.set_defaults(run=cmd_batches)

    p = sub.add_parser("rollback", parents=[common], help=tx("rollback"), description=tx("rollback"))
    p.add_argument("batch_id", type=int, metavar="BATCH_ID", help=tx("batch_id"))
    p.set_defaults(run=cmd_rollback)

    _register_extensions(sub, common, tx)
    return parser


def _register_extensions(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser, tx: Callable[[str], str]
) -> None:
    """Commands that live with the metrics and the exports."""
    for module in ("pmo.report_cmd", "pmo.export_cmd", "pmo.users_cmd"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(sub, common, tx)


class Stop(Exception):
    """A command ends early with a message already printed and this exit code."""

    def __init__(self, code: int) -> None:
        self.code = code
        super().__init__(code)


@contextmanager
def opened(args: argparse.Namespace, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store for this command's work; a note on stderr while another process holds it."""

    def waiting(holder: str) -> None:
        print(t("cli.store_waiting", args.lang, holder=holder or "?", wait=_seconds(args)), file=sys.stderr)

    with store.session(args.db, read_only=read_only, wait=args.wait, on_wait=waiting) as con:
        yield con


def _seconds(args: argparse.Namespace) -> int:
    return int(store.busy_wait() if args.wait is None else args.wait)


def acting(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: TextIO) -> Actor:
    """Who this command acts as: the account ``--user`` names, or, on a store without accounts,
    the system user in open demo mode."""
    login = str(args.user).strip()
    if not users.any_account(con):
        return Actor(login, login, Role.OPEN_DEMO, "cli")
    account = users.get(con, login)
    if account is None or account.disabled:
        print(t("cli.no_account", args.lang, user=login), file=out)
        raise Stop(EXIT_DENIED)
    return Actor(account.login, account.name, account.role, "cli")


def mapping_profile(con: duckdb.DuckDBPyConnection, ref: str) -> Profile:
    """``--mapping``: a TOML file, or the name of a shipped or saved profile."""
    from loaders import profiles

    path = Path(ref)
    if path.suffix.casefold() == ".toml" or path.exists():
        return load_profile(path)
    return profiles.load(con, ref)


# --------------------------------------------------------------------------------------------


def print_plan(plan: ImportPlan, lang: str, out: TextIO) -> None:
    """Counts per table, then every error and warning with sheet, row, column and value."""
    if plan.diffs:
        rows = [
            [t(f"table.{name}", lang), d.counts.inserted, d.counts.changed, d.counts.unchanged]
            for name, d in sorted(plan.diffs.items(), key=lambda kv: TABLES.index(kv[0]))
        ]
        heads = [t(f"cli.{k}", lang) for k in ("table", "inserted", "changed", "unchanged")]
        print(render(heads, rows), file=out)
    issues = sorted(plan.issues, key=lambda i: (i.level != "error", i.file, i.sheet or "", i.row or 0))
    if issues:
        print(file=out)
        heads = [t(f"cli.col.{c}", lang) for c in ISSUE_COLUMNS]
        table = [[i.as_row(lang)[c] for c in ISSUE_COLUMNS] for i in issues]
        print(render(heads, table, max_width=90), file=out)


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    """Read the files first, each in a child process forked from this one (before the store is
    open, so no other thread exists), then open the store for the check and the write only."""
    from loaders import sandbox
    from loaders.importer import import_limits, read_files
    from loaders.reader import load

    lang = args.lang
    with opened(args, read_only=True) as con:
        acting(con, args, out)
        bounds = import_limits(con)
        try:
            mapping = mapping_profile(con, args.mapping) if args.mapping else None
        except ReadError as exc:
            print(exc.issue().message(lang), file=out)
            return EXIT_REFUSED
    files: list[Loaded] = []
    for path in args.files:
        try:
            files.append(load(path))
        except ReadError as exc:
            print(exc.issue().message(lang), file=out)
            return EXIT_REFUSED
    with sandbox.forking():
        already = read_files(files, mapping=mapping, bounds=bounds)
    with opened(args) as con:
        actor = acting(con, args, out)
        plan, batch = import_files(con, files, actor=actor, mapping=mapping, dry_run=args.dry_run, already_read=already)
    print_plan(plan, lang, out)
    errors = [i for i in plan.issues if i.level == "error"]
    print(file=out)
    if errors:
        print(t("cli.failed", lang, count=len(errors)), file=out)
        return EXIT_REFUSED
    if args.dry_run:
        print(t("cli.dry_run", lang), file=out)
    elif batch is None:
        print(t("cli.nothing_to_import", lang), file=out)
    else:
        print(t("cli.imported", lang, batch=batch, files=", ".join(f.name for f in plan.files)), file=out)
    if plan.validation.warnings:
        print(t("cli.warnings", lang, count=len(plan.validation.warnings)), file=out)
    return EXIT_OK


def cmd_template(args: argparse.Namespace, out: TextIO) -> int:
    path = template.write(args.out, args.lang)
    print(t("cli.template_written", args.lang, path=path), file=out)
    return 0


def load_demo(con: duckdb.DuckDBPyConnection, *, if_empty: bool = False, actor: Actor | None = None) -> int | None:
    """Import the demo workbook; None when skipped or already there."""
    if if_empty and not store.is_empty(con):
        return None
    loaded = Loaded(DEMO_WORKBOOK.name, DEMO_WORKBOOK.read_bytes())
    plan, batch = import_files(con, [loaded], actor=actor or Actor("demo", "demo", Role.OPEN_DEMO, "cli"))
    if batch is not None:
        store.mark_demo(con, batch, DEMO_AS_OF)
    if not plan.ok:
        raise RuntimeError("the demo workbook does not import: " + "; ".join(i.message("en") for i in plan.issues))
    return batch


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    with opened(args) as con:
        batch = load_demo(con, if_empty=args.if_empty, actor=acting(con, args, out))
    if batch is None:
        print(t("cli.demo_skipped", args.lang) if args.if_empty else t("cli.nothing_to_import", args.lang), file=out)
    else:
        print(t("cli.imported", args.lang, batch=batch, files=DEMO_WORKBOOK.name), file=out)
    return 0


def cmd_batches(args: argparse.Namespace, out: TextIO) -> int:
    lang = args.lang
    with opened(args, read_only=True) as con:
        df = store.batches(con)
    if df.empty:
        print(t("cli.no_batches", lang), file=out)
        return 0
    cols = ["batch_id", "imported_at", "user_name", "file_name", "status"]
    heads = [t(f"cli.col.{c}", lang) for c in cols] + [
        t(f"cli.{k}", lang) for k in ("inserted", "changed", "unchanged")
    ]
    rows = [
        [
            r.batch_id,
            f"{r.imported_at:%d.%m.%Y %H:%M}",
            r.user_name,
            r.file_name,
            t(f"cli.batch_status.{r.status}", lang),
            r.inserted,
            r.changed,
            r.unchanged,
        ]
        for r in df.itertuples()
    ]
    print(render(heads, rows), file=out)
    return 0


def cmd_rollback(args: argparse.Namespace, out: TextIO) -> int:
    try:
        with opened(args) as con:
            undone = store.rollback(con, args.batch_id, acting(con, args, out))
    except store.RollbackError as exc:
        print(t(f"cli.{exc.code}", args.lang, batch=exc.batch_id), file=out)
        return EXIT_REFUSED
    print(t("cli.rolled_back", args.lang, batches=", ".join(map(str, undone))), file=out)
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Command = args.run
    sink = out or sys.stdout
    try:
        return run(args, sink)
    except Stop as stop:
        return stop.code
    except store.StoreBusy as exc:
        print(t("cli.store_busy", args.lang, path=exc.path, holder=exc.holder or "?", wait=int(exc.waited)), file=sink)
        return EXIT_BUSY
    except AccessDenied as exc:
        print(denied_text(exc, args.lang), file=sink)
        return EXIT_DENIED


def denied_text(exc: AccessDenied, lang: str) -> str:
    """Why the user may not: their role, and the projects that are not theirs."""
    role = t(f"role.{exc.actor.role.value}", lang)
    if exc.projects:
        return t("access.not_your_projects", lang, user=exc.actor.name, role=role, projects=", ".join(exc.projects))
    return t("access.denied", lang, user=exc.actor.name, role=role, right=t(f"right.{exc.right.value}", lang))


if __name__ == "__main__":
    raise SystemExit(main())
