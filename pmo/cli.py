"""``pmo``: import, template, demo, batches, rollback (and the report and exports).

Every line it prints comes from the kk/ru/en catalog; ``--lang`` (or ``PMO_LANG``) picks the
language, Kazakh by default.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import duckdb

from i18n import DEFAULT_LANG, LANGS, t
from loaders import store, template
from loaders.importer import ImportPlan, import_files
from loaders.issues import ISSUE_COLUMNS, ReadError
from loaders.mapping import load_profile
from loaders.reader import Loaded
from loaders.schema import TABLES

from .textable import render

DEMO_WORKBOOK = store.PROJECT_ROOT / "data" / "demo_portfolio.xlsx"

Command = Callable[[argparse.Namespace, TextIO], int]


def _env_lang() -> str:
    lang = os.environ.get("PMO_LANG", DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "pmo"


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    h = lang or _env_lang()

    def tx(key: str) -> str:
        return t(f"cli.help.{key}", h)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=None, help=tx("db"))
    common.add_argument("--lang", choices=LANGS, default=_env_lang(), help=tx("lang"))

    parser = argparse.ArgumentParser(prog="pmo", description=tx("prog"))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", parents=[common], help=tx("import"), description=tx("import"))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help=tx("files"))
    p.add_argument("--mapping", type=Path, default=None, metavar="PROFILE.toml", help=tx("mapping"))
    p.add_argument("--user", default=_user(), help=tx("user"))
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
    p.add_argument("--user", default=_user(), help=tx("user"))
    p.set_defaults(run=cmd_rollback)

    _register_extensions(sub, common, tx)
    return parser


def _register_extensions(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser, tx: Callable[[str], str]
) -> None:
    """Commands that live with the metrics and the exports."""
    for module in ("pmo.report_cmd", "pmo.export_cmd"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(sub, common, tx)


def _connect(args: argparse.Namespace) -> duckdb.DuckDBPyConnection:
    return store.connect(args.db)


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
    lang = args.lang
    try:
        mapping = load_profile(args.mapping) if args.mapping else None
    except ReadError as exc:
        print(exc.issue().message(lang), file=out)
        return 1
    con = _connect(args)
    try:
        plan, batch = import_files(con, list(args.files), user=args.user, mapping=mapping, dry_run=args.dry_run)
    except ReadError as exc:
        print(exc.issue().message(lang), file=out)
        return 1
    print_plan(plan, lang, out)
    errors = [i for i in plan.issues if i.level == "error"]
    print(file=out)
    if errors:
        print(t("cli.failed", lang, count=len(errors)), file=out)
        return 1
    if args.dry_run:
        print(t("cli.dry_run", lang), file=out)
    elif batch is None:
        print(t("cli.nothing_to_import", lang), file=out)
    else:
        print(t("cli.imported", lang, batch=batch, files=", ".join(f.name for f in plan.files)), file=out)
    if plan.validation.warnings:
        print(t("cli.warnings", lang, count=len(plan.validation.warnings)), file=out)
    return 0


def cmd_template(args: argparse.Namespace, out: TextIO) -> int:
    path = template.write(args.out, args.lang)
    print(t("cli.template_written", args.lang, path=path), file=out)
    return 0


def load_demo(con: duckdb.DuckDBPyConnection, *, if_empty: bool = False) -> int | None:
    """Import the demo workbook; None when skipped or already there."""
    if if_empty and not store.is_empty(con):
        return None
    loaded = Loaded(DEMO_WORKBOOK.name, DEMO_WORKBOOK.read_bytes())
    plan, batch = import_files(con, [loaded], user="demo")
    if not plan.ok:
        raise RuntimeError("the demo workbook does not import: " + "; ".join(i.message("en") for i in plan.issues))
    return batch


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    con = _connect(args)
    batch = load_demo(con, if_empty=args.if_empty)
    if batch is None:
        print(t("cli.demo_skipped", args.lang) if args.if_empty else t("cli.nothing_to_import", args.lang), file=out)
    else:
        print(t("cli.imported", args.lang, batch=batch, files=DEMO_WORKBOOK.name), file=out)
    return 0


def cmd_batches(args: argparse.Namespace, out: TextIO) -> int:
    lang = args.lang
    df = store.batches(_connect(args))
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
        undone = store.rollback(_connect(args), args.batch_id, args.user)
    except store.RollbackError as exc:
        print(t(f"cli.{exc.code}", args.lang, batch=exc.batch_id), file=out)
        return 1
    print(t("cli.rolled_back", args.lang, batches=", ".join(map(str, undone))), file=out)
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Command = args.run
    return run(args, out or sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
