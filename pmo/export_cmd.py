"""``pmo export pptx|xlsx --quarter 2026-Q3 [--lang ru] OUT``: the quarterly meeting pack;
``pmo export protocol --quarter 2026-Q3 [--lang ru] OUT.docx``: the meeting's protocol (Reg §34)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from i18n import t


def _quarter(text: str) -> dt.date:
    from metrics.common import parse_quarter

    try:
        return parse_quarter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(t("cli.bad_quarter_arg", "en", value=text)) from exc


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    tx: Callable[[str], str],
) -> None:
    del tx  # this command's help lives under cli.export
    lang = common.get_default("lang")
    help_text = t("cli.export.help", lang)
    p = sub.add_parser("export", parents=[common], help=help_text, description=help_text)
    p.add_argument("format", choices=("pptx", "xlsx", "protocol"), help=t("cli.export.format", lang))
    p.add_argument("out", type=Path, metavar="OUT", help=t("cli.help.out", lang))
    p.add_argument("--quarter", type=_quarter, required=True, metavar="YYYY-QN", help=t("cli.export.quarter", lang))
    p.add_argument("--order", choices=("program", "status"), default="program", help=t("cli.export.order", lang))
    p.add_argument("--start", type=_time, default=dt.time(10, 0), metavar="HH:MM", help=t("cli.export.start", lang))
    p.add_argument("--program", default=None, help=t("cli.help.program", lang))
    p.set_defaults(run=cmd_export)


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """The exports (python-pptx, xlsxwriter, python-docx) and the metrics are imported here, when
    used."""
    from loaders import audit
    from metrics.common import Filters

    from .cli import acting, opened

    filters = Filters(program=args.program)
    with opened(args) as con:
        actor = acting(con, args, out)
        if args.format == "protocol":
            from exports import protocol
            from metrics.decisions import protocol as meeting_protocol

            minutes = meeting_protocol(con, args.quarter, filters)
        else:
            from exports import quarterly

            q = quarterly.prepare(con, args.quarter, filters=filters, order=args.order, start=args.start)
        audit.record(
            con,
            actor,
            "export",
            args.format,
            {"quarter": args.quarter.isoformat(), "lang": args.lang, "program": args.program, "file": args.out.name},
        )
    if args.format == "protocol":
        data = protocol.build(minutes, args.lang)
    else:
        data = quarterly.pptx(q, args.lang) if args.format == "pptx" else quarterly.xlsx(q, args.lang)
    args.out.write_bytes(data)
    print(t("cli.written", args.lang, path=args.out), file=out)
    return 0
