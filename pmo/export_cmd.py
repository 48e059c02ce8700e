"""``pmo export pptx|xlsx --quarter 2026-Q3 [--lang ru] OUT``: the quarterly meeting pack;
``pmo export protocol --quarter 2026-Q3 [--lang ru] OUT.docx``: the meeting's protocol (Reg §34);
``pmo export pdf --page overview|passport [--project P06] [--as-of 2026-09-30] [--lang ru] OUT.pdf``:
a page on A4 landscape, as its PDF button gives it. With ``--batch N`` each is made from the data as
it stood right after batch N (``loaders.batch_state``); the deck and the pack name their batch."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from i18n import t

if TYPE_CHECKING:
    import duckdb


def _quarter(text: str) -> dt.date:
    from metrics.common import parse_quarter

    try:
        return parse_quarter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(t("cli.bad_quarter_arg", "en", value=text)) from exc


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(t("cli.bad_date_arg", "en", value=text)) from exc


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    tx: Callable[[str], str],
) -> None:
    from .cli import batch_number

    lang = common.get_default("lang")
    help_text = t("cli.export.help", lang)
    p = sub.add_parser("export", parents=[common], help=help_text, description=help_text)
    p.add_argument("format", choices=("pptx", "xlsx", "protocol", "pdf"), help=t("cli.export.format", lang))
    p.add_argument("out", type=Path, metavar="OUT", help=t("cli.help.out", lang))
    p.add_argument("--quarter", type=_quarter, default=None, metavar="YYYY-QN", help=t("cli.export.quarter", lang))
    p.add_argument("--page", choices=("overview", "passport"), default=None, help=t("cli.export.pdf.page", lang))
    p.add_argument("--project", default=None, metavar="PROJECT_ID", help=t("cli.export.pdf.project", lang))
    p.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help=t("cli.export.pdf.as_of", lang))
    p.add_argument("--order", choices=("program", "status"), default="program", help=t("cli.export.order", lang))
    p.add_argument("--start", type=_time, default=dt.time(10, 0), metavar="HH:MM", help=t("cli.export.start", lang))
    p.add_argument("--program", default=None, help=t("cli.help.program", lang))
    p.add_argument("--batch", type=batch_number, default=None, metavar="N", help=tx("batch"))
    p.set_defaults(run=cmd_export)


@contextmanager
def sources(args: argparse.Namespace, out: TextIO) -> Iterator[tuple[duckdb.DuckDBPyConnection, ...]]:
    """The store (for the account and the audit row) and the data to compute from: the store
    itself, or with ``--batch`` the store as it stood right after that batch (taken first, so
    the store is not open twice)."""
    from .cli import at_batch, opened

    with ExitStack() as stack:
        frozen = stack.enter_context(at_batch(args, out)) if args.batch is not None else None
        con = stack.enter_context(opened(args))
        yield con, frozen or con


def _scope(args: argparse.Namespace, **detail: object) -> dict[str, object]:
    """The audit row's detail: what was exported, and from which batch when ``--batch`` names one."""
    return detail if args.batch is None else {**detail, "batch": args.batch}


def _refused(message: str, out: TextIO) -> int:
    from .cli import EXIT_USAGE

    print(message, file=out)
    return EXIT_USAGE


def cmd_pdf(args: argparse.Namespace, out: TextIO) -> int:
    """A page as PDF (exports.paper: the document, then Chromium through Playwright)."""
    from exports import paper
    from loaders import audit, store
    from metrics.common import Filters

    from .cli import acting

    if args.page is None:
        return _refused(t("cli.export.pdf.needs_page", args.lang), out)
    if args.page == "passport" and not args.project:
        return _refused(t("cli.export.pdf.needs_project", args.lang), out)
    if (problem := paper.unavailable()) is not None:
        print(problem.message(args.lang), file=out)
        return 1
    as_of = args.as_of or dt.date.today()
    with sources(args, out) as (con, src):
        actor = acting(con, args, out)
        if args.page == "overview":
            document = paper.overview(src, as_of, args.lang, Filters(program=args.program))
        elif (found := paper.passport(src, args.project, as_of, args.lang)) is not None:
            document = found
        else:
            print(t("cli.export.pdf.unknown_project", args.lang, project=args.project), file=out)
            return 1
        detail = _scope(
            args,
            page=args.page,
            project=args.project,
            program=args.program,
            as_of=as_of.isoformat(),
            lang=args.lang,
            file=args.out.name,
        )
        with store.transaction(con):
            audit.record(con, actor, "export", "pdf", detail)
    try:
        data = paper.pdf(document)
    except paper.PaperError as exc:
        print(exc.message(args.lang), file=out)
        return 1
    args.out.write_bytes(data)
    print(t("cli.written", args.lang, path=args.out), file=out)
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """The exports (python-pptx, xlsxwriter, python-docx) and the metrics are imported here, when
    used."""
    from loaders import audit, store
    from metrics.common import Filters

    from .cli import acting

    if args.format == "pdf":
        return cmd_pdf(args, out)
    if args.quarter is None:
        return _refused(t("cli.export.pdf.needs_quarter", args.lang, format=args.format), out)
    filters = Filters(program=args.program)
    with sources(args, out) as (con, src):
        actor = acting(con, args, out)
        if args.format == "protocol":
            from exports import protocol
            from metrics.decisions import protocol as meeting_protocol

            minutes = meeting_protocol(src, args.quarter, filters)
        else:
            from exports import quarterly

            q = quarterly.prepare(src, args.quarter, filters=filters, order=args.order, start=args.start)
            q.since_last_review()  # while the store is open: the deck's and the pack's digest
        detail = _scope(
            args, quarter=args.quarter.isoformat(), lang=args.lang, program=args.program, file=args.out.name
        )
        with store.transaction(con):
            audit.record(con, actor, "export", args.format, detail)
    if args.format == "protocol":
        data = protocol.build(minutes, args.lang)
    else:
        data = quarterly.pptx(q, args.lang) if args.format == "pptx" else quarterly.xlsx(q, args.lang)
    args.out.write_bytes(data)
    print(t("cli.written", args.lang, path=args.out), file=out)
    return 0
