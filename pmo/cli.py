"""``pmo``: import, template, demo, batches, rollback, users, audit (and the report and exports).

Every line it prints comes from the kk/ru/en catalog; ``--lang`` (or ``PMO_LANG``) picks the
language, Kazakh by default.

The command line acts as a named user (``--user``, else ``PMO_USER``, else the system login):
when the store has accounts, that login must be one of them, enabled, and its role decides what
the command may do; a store with no account is in open demo mode, like the dashboard. Managing
accounts (``pmo users``) is for whoever has a shell on the server. The store is opened for the
command's own work only; when another process holds it, the command waits (``--wait``, else
``PMO_BUSY_WAIT``, else 30 s) and then says so.

Exit codes (also in ``pmo --help`` and README): 0 done; 1 refused input (the import's error
table, a bad profile, an unknown batch, a failed audit check); 2 wrong arguments, or a file or
store named on the command line that cannot be opened or written; 3 the store stayed busy; 4 not
allowed for this user's role; 130 interrupted; 141 standard output closed by its reader before
everything was written (``pmo … | head``: Python's advice for a closed pipe, the code a shell
gives a process killed by SIGPIPE). No user error ends in a traceback.

Output for programs: with ``--issues-format csv|json`` (import), ``--format json`` (report) or
``--format csv|json`` (audit list) standard output carries only that data; every message for a
person (the counts, the summary, a refusal) goes to standard error.

Only the standard library and the catalog are imported here at start-up: each command imports
the modules it needs (pandas, DuckDB, the importer, the metrics), so ``pmo --help`` and ``pmo
batches`` do not pay for what they do not use.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import errno
import getpass
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from i18n import DEFAULT_LANG, LANGS, t

from .textable import render, terminal_width

if TYPE_CHECKING:
    import duckdb

    from loaders.access import AccessDenied, Actor
    from loaders.importer import ImportPlan
    from loaders.issues import Issue
    from loaders.mapping import Profile

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_BUSY, EXIT_DENIED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED: Final = 130  # 128 + SIGINT, as a shell reports Ctrl+C
EXIT_PIPE: Final = 141  # 128 + SIGPIPE, as a shell reports a writer whose reader went away

DEMO_WORKBOOK = Path(__file__).resolve().parent.parent / "data" / "demo_portfolio.xlsx"
#: the date the demo portfolio describes (data/make_demo.py, AS_OF): the dashboard opens at it
DEMO_AS_OF = dt.date(2026, 9, 30)
#: output formats meant for a program: standard output carries the data alone
MACHINE_FORMATS: Final = ("csv", "json")
ISSUE_FORMATS: Final = ("table", *MACHINE_FORMATS)
#: catalog keys of the reasons an operating system gives most often for a file it refuses
OS_REASONS: Final = {
    errno.ENOENT: "enoent",
    errno.EISDIR: "eisdir",
    errno.ENOTDIR: "enotdir",
    errno.EACCES: "eacces",
    errno.EPERM: "eacces",
    errno.ENOSPC: "enospc",
    errno.EROFS: "erofs",
}

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


def _wait(text: str) -> float:
    """``--wait``: a number of seconds, 0 or more."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError(t("cli.bad_wait_arg", _env_lang(), value=text))
    return seconds


def batch_number(text: str) -> int:
    """``--batch``: a batch number, 1 or more (whether the store has it is checked later)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(t("cli.bad_batch_arg", _env_lang(), value=text))
    return int(text)


class LazyChoices:
    """Choices that live in a heavy module (roles, audit actions), read only when argparse looks
    at them: a value to check or a help to show. Building the parser stays cheap."""

    def __init__(self, load: Callable[[], Iterable[str]]) -> None:
        self._load = load
        self._values: tuple[str, ...] | None = None

    def _all(self) -> tuple[str, ...]:
        if self._values is None:
            self._values = tuple(self._load())
        return self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    h = lang or _env_lang()

    def tx(key: str) -> str:
        return t(f"cli.help.{key}", h)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=None, metavar="STORE", help=tx("db"))  # a file or a postgresql:// URL
    common.add_argument("--lang", choices=LANGS, default=_env_lang(), help=tx("lang"))
    common.add_argument("--user", default=_user(), help=tx("user"))
    common.add_argument("--wait", type=_wait, default=None, metavar="SECONDS", help=tx("wait"))

    parser = argparse.ArgumentParser(
        prog="pmo",
        description=tx("prog"),
        epilog=tx("exit_codes"),
        formatter_class=argparse.RawDescriptionHelpFormatter,  # the exit codes, one a line
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", parents=[common], help=tx("import"), description=tx("import"))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help=tx("files"))
    p.add_argument("--mapping", default=None, metavar="PROFILE", help=tx("mapping"))
    p.add_argument("--dry-run", action="store_true", help=tx("dry_run"))
    p.add_argument("--issues-format", choices=ISSUE_FORMATS, default="table", help=tx("issues_format"))
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
    for module in ("pmo.report_cmd", "pmo.diff_cmd", "pmo.export_cmd", "pmo.users_cmd", "pmo.store_cmd"):
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


class StoreUnusable(Exception):
    """The store cannot be opened at all: a folder, not a DuckDB file, no permission, a database
    server that does not answer."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def notes(args: argparse.Namespace, out: TextIO) -> TextIO:
    """Where the messages for a person go: ``out``, unless it carries csv or json for a program
    (``--issues-format``, ``--format``); then standard error, so the data stays parseable."""
    chosen = getattr(args, "issues_format", None) or getattr(args, "format", None)
    return sys.stderr if chosen in MACHINE_FORMATS else out


@contextmanager
def opened(args: argparse.Namespace, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store for this command's work; a note on stderr while another process holds it."""
    import duckdb

    from loaders import store

    with ExitStack() as stack:
        try:
            con = stack.enter_context(
                store.session(args.db, read_only=read_only, wait=args.wait, on_wait=_waiting(args))
            )
        except (duckdb.IOException, store.StoreUnreachable) as exc:  # a lock held elsewhere is StoreBusy
            raise StoreUnusable(store.display(args.db), str(exc)) from exc
        yield con


@contextmanager
def at_batch(args: argparse.Namespace, out: TextIO) -> Iterator[duckdb.DuckDBPyConnection]:
    """``--batch N``: an in-memory copy of the store as it stood right after batch N (the file is
    open only while it is taken); a batch the store does not have is refused (exit 1)."""
    import duckdb

    from loaders import store

    try:
        wait = store.busy_wait() if args.wait is None else float(args.wait)
        _, con = store.snapshot(args.db, wait=wait, batch=args.batch, on_wait=_waiting(args))
    except store.BatchUnknown as exc:
        print(t("cli.batch_unknown", args.lang, batch=exc.batch_id), file=notes(args, out))
        raise Stop(EXIT_REFUSED) from exc
    except (duckdb.IOException, store.StoreUnreachable) as exc:  # a lock held elsewhere is StoreBusy
        raise StoreUnusable(store.display(args.db), str(exc)) from exc
    try:
        yield con
    finally:
        con.close()


def _waiting(args: argparse.Namespace) -> Callable[[str], None]:
    """A note on stderr when another process holds the store and the command starts waiting."""

    def waiting(holder: str) -> None:
        print(t("cli.store_waiting", args.lang, holder=holder or "?", wait=_seconds(args)), file=sys.stderr)

    return waiting


def _seconds(args: argparse.Namespace) -> int:
    from loaders import store

    return int(store.busy_wait() if args.wait is None else args.wait)


def acting(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, out: TextIO) -> Actor:
    """Who this command acts as: the account ``--user`` names, or, on a store without accounts,
    the system user in open demo mode."""
    from loaders import users
    from loaders.access import Actor, Role

    login = str(args.user).strip()
    if not users.any_account(con):
        return Actor(login, login, Role.OPEN_DEMO, "cli")
    account = users.get(con, login)
    if account is None or account.disabled:
        print(t("cli.no_account", args.lang, user=login), file=notes(args, out))
        raise Stop(EXIT_DENIED)
    return Actor(account.login, account.name, account.role, "cli")


def mapping_profile(con: duckdb.DuckDBPyConnection, ref: str) -> Profile:
    """``--mapping``: a TOML file, or the name of a shipped or saved profile."""
    from loaders import profiles
    from loaders.mapping import load_profile

    path = Path(ref)
    if path.suffix.casefold() == ".toml" or path.exists():
        return load_profile(path)
    return profiles.load(con, ref)


# --------------------------------------------------------------------------------------------


def issue_record(issue: Issue, lang: str) -> dict[str, object]:
    """One issue for a program: stable English keys and codes, the reason in ``lang``."""
    return {
        "level": issue.level,
        "code": issue.code,
        "file": issue.file,
        "sheet": issue.sheet,
        "row": issue.row,
        "column": issue.column,
        "value": issue.value,
        "reason": issue.message(lang),
    }


def print_issues(issues: Sequence[Issue], lang: str, fmt: str, out: TextIO) -> None:
    """Every error and warning in full, in ``fmt``: a table whose reasons wrap to the terminal's
    width; csv with a header row in ``lang`` (the columns of ``ISSUE_COLUMNS``); or json."""
    from loaders.issues import ISSUE_COLUMNS

    ordered = sorted(issues, key=lambda i: (i.level != "error", i.file, i.sheet or "", i.row or 0))
    heads = [t(f"cli.col.{c}", lang) for c in ISSUE_COLUMNS]
    if fmt == "json":
        from .jsonout import write_json

        write_json([issue_record(i, lang) for i in ordered], out)
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(heads)
        writer.writerows([i.as_row(lang)[c] for c in ISSUE_COLUMNS] for i in ordered)
    elif ordered:
        table = [[i.as_row(lang)[c] for c in ISSUE_COLUMNS] for i in ordered]
        wrap = (ISSUE_COLUMNS.index("value"), ISSUE_COLUMNS.index("reason"))
        print(render(heads, table, wrap=wrap, width=terminal_width(out)), file=out)


def print_plan(
    plan: ImportPlan, lang: str, out: TextIO, *, issues_format: str = "table", talk: TextIO | None = None
) -> None:
    """Counts per table (on ``talk``, standard error when the issues go to a program), then every
    error and warning with sheet, row, column and value, on ``out``."""
    from loaders.schema import TABLES

    if plan.diffs:
        rows = [
            [t(f"table.{name}", lang), d.counts.inserted, d.counts.changed, d.counts.unchanged]
            for name, d in sorted(plan.diffs.items(), key=lambda kv: TABLES.index(kv[0]))
        ]
        heads = [t(f"cli.{k}", lang) for k in ("table", "inserted", "changed", "unchanged")]
        print(render(heads, rows), file=talk or out)
        if plan.issues and issues_format == "table":
            print(file=out)
    print_issues(plan.issues, lang, issues_format, out)


def _refused(issue: Issue, args: argparse.Namespace, out: TextIO) -> int:
    """A file or profile that cannot be read at all: its one issue, in the chosen format."""
    if args.issues_format == "table":
        print(issue.message(args.lang), file=out)
    else:
        print_issues([issue], args.lang, args.issues_format, out)
        print(t("cli.failed", args.lang, count=1), file=sys.stderr)
    return EXIT_REFUSED


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    """Read the files first, each in a child process forked from this one (before the store is
    open, so no other thread exists), then open the store for the check and the write only."""
    from loaders import sandbox
    from loaders.importer import import_files, import_limits, read_files
    from loaders.issues import ReadError
    from loaders.reader import Loaded, load

    lang = args.lang
    talk = notes(args, out)
    with opened(args, read_only=True) as con:
        acting(con, args, out)
        bounds = import_limits(con)
        try:
            mapping = mapping_profile(con, args.mapping) if args.mapping else None
        except ReadError as exc:
            return _refused(exc.issue(), args, out)
    files: list[Loaded] = []
    for path in args.files:
        try:
            files.append(load(path))
        except ReadError as exc:
            return _refused(exc.issue(), args, out)
    if mapping is not None:  # a file named as one of the profile's further sources is that source
        mapping = mapping.bind(files)
    with sandbox.forking():
        already = read_files(files, mapping=mapping, bounds=bounds)
    with opened(args) as con:
        actor = acting(con, args, out)
        plan, batch = import_files(con, files, actor=actor, mapping=mapping, dry_run=args.dry_run, already_read=already)
    print_plan(plan, lang, out, issues_format=args.issues_format, talk=talk)
    errors = [i for i in plan.issues if i.level == "error"]
    print(file=talk)
    if errors:
        print(t("cli.failed", lang, count=len(errors)), file=talk)
        return EXIT_REFUSED
    if args.dry_run:
        print(t("cli.dry_run", lang), file=talk)
    elif batch is None:
        print(t("cli.nothing_to_import", lang), file=talk)
    else:
        print(t("cli.imported", lang, batch=batch, files=", ".join(f.name for f in plan.files)), file=talk)
    if plan.validation.warnings:
        print(t("cli.warnings", lang, count=len(plan.validation.warnings)), file=talk)
    return EXIT_OK


def cmd_template(args: argparse.Namespace, out: TextIO) -> int:
    from loaders import template

    path = template.write(args.out, args.lang)
    print(t("cli.template_written", args.lang, path=path), file=out)
    return 0


def load_demo(con: duckdb.DuckDBPyConnection, *, if_empty: bool = False, actor: Actor | None = None) -> int | None:
    """Import the demo workbook; None when skipped or already there."""
    from loaders import store
    from loaders.access import Actor, Role
    from loaders.importer import import_files
    from loaders.reader import Loaded

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
    from loaders import store

    lang = args.lang
    with opened(args, read_only=True) as con:
        history = store.batch_rows(con)
    if not history:
        print(t("cli.no_batches", lang), file=out)
        return 0
    cols = ["batch_id", "imported_at", "user_name", "file_name", "status"]
    heads = [t(f"cli.col.{c}", lang) for c in cols] + [
        t(f"cli.{k}", lang) for k in ("inserted", "changed", "unchanged")
    ]
    rows = [
        [
            r["batch_id"],
            f"{r['imported_at']:%d.%m.%Y %H:%M}",
            r["user_name"],
            r["file_name"],
            t(f"cli.batch_status.{r['status']}", lang),
            r["inserted"],
            r["changed"],
            r["unchanged"],
        ]
        for r in history
    ]
    print(render(heads, rows), file=out)
    return 0


def cmd_rollback(args: argparse.Namespace, out: TextIO) -> int:
    from loaders import store

    try:
        with opened(args) as con:
            undone = store.rollback(con, args.batch_id, acting(con, args, out))
    except store.RollbackError as exc:
        print(t(f"cli.{exc.code}", args.lang, batch=exc.batch_id), file=out)
        return EXIT_REFUSED
    print(t("cli.rolled_back", args.lang, batches=", ".join(map(str, undone))), file=out)
    return 0


# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run one command; its exit code. A reader that closes standard output early (``pmo … |
    head``) ends it with ``EXIT_PIPE`` and no traceback, as the Python docs advise ("Note on
    SIGPIPE"): the flush happens here, inside the ``try``, and what is left goes to devnull."""
    try:
        try:
            return _main(argv, out)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _stdout_to_devnull() -> None:
    """Python flushes standard output once more at exit: into devnull, so no second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # standard output without a file descriptor (a test's capture)
        pass


def _main(argv: Sequence[str] | None, out: TextIO | None) -> int:
    args = build_parser().parse_args(argv)
    run: Command = args.run
    sink = out or sys.stdout
    try:
        return run(args, sink)
    except Stop as stop:
        return stop.code
    except BrokenPipeError:
        raise
    except Exception as exc:
        code = failure(exc, args, notes(args, sink))
        if code is None:
            raise  # a bug: its traceback is what a report needs
        return code


def failure(exc: Exception, args: argparse.Namespace, out: TextIO) -> int | None:
    """A failure the user can act on, said in words on ``out``: its exit code; None for a bug."""
    from loaders.access import AccessDenied
    from loaders.store import StoreBusy, StoreUnreachable

    lang = args.lang
    if isinstance(exc, StoreBusy):
        print(t("cli.store_busy", lang, path=exc.path, holder=exc.holder or "?", wait=int(exc.waited)), file=out)
        return EXIT_BUSY
    if isinstance(exc, AccessDenied):  # a PermissionError, so before any OSError
        print(denied_text(exc, lang), file=out)
        return EXIT_DENIED
    if isinstance(exc, StoreUnusable):
        print(t("cli.store_unusable", lang, path=exc.path, reason=exc.reason), file=out)
        return EXIT_USAGE
    if isinstance(exc, StoreUnreachable):  # the database server went away during the work
        print(t("cli.store_unusable", lang, path=exc.target, reason=exc.reason), file=out)
        return EXIT_USAGE
    if isinstance(exc, EOFError):  # a prompt (the password) with no terminal and nothing on stdin
        print(t("cli.no_input", lang), file=out)
        return EXIT_USAGE
    if isinstance(exc, OSError):
        key = OS_REASONS.get(exc.errno or 0)
        reason = t(f"cli.os_reason.{key}", lang) if key else exc.strerror or str(exc)
        print(t("cli.file_error", lang, path=exc.filename or "?", reason=reason), file=out)
        return EXIT_USAGE
    return None


def denied_text(exc: AccessDenied, lang: str) -> str:
    """Why the user may not: their role, and the projects that are not theirs."""
    role = t(f"role.{exc.actor.role.value}", lang)
    if exc.projects:
        return t("access.not_your_projects", lang, user=exc.actor.name, role=role, projects=", ".join(exc.projects))
    return t("access.denied", lang, user=exc.actor.name, role=role, right=t(f"right.{exc.right.value}", lang))


if __name__ == "__main__":
    raise SystemExit(main())
