"""``pmo report``: the whole picture as of a date, as JSON (the stable contract) or a table."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from typing import Any, TextIO

from i18n import t
from metrics.common import Filters
from metrics.report import report

from .textable import render


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
    p = sub.add_parser("report", parents=[common], help=tx("report"), description=tx("report"))
    p.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help=tx("as_of"))
    p.add_argument("--program", default=None, help=tx("program"))
    p.add_argument("--curator", default=None, help=tx("curator"))
    p.add_argument("--project", action="append", default=None, metavar="PROJECT_ID", help=tx("project"))
    p.add_argument("--format", choices=("json", "table"), default="json", help=tx("format"))
    p.set_defaults(run=cmd_report)


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    as_of = args.as_of or dt.date.today()
    filters = Filters(args.program, args.curator, tuple(args.project) if args.project else None)
    from .cli import opened

    with opened(args, read_only=True) as con:
        data = report(con, as_of, filters)
    if args.format == "json":
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        print_table(data, args.lang, out)
    return 0


def print_table(data: dict[str, Any], lang: str, out: TextIO) -> None:
    p = data["portfolio"]
    rag = p["rag"]
    kpi = "—" if p["kpi_index"] is None else f"{p['kpi_index']:.0%}"
    absorption = p["budget"]["absorption"]
    rows = [
        [t("cli.report.kpi_index", lang), kpi],
        [t("cli.report.projects", lang), f"{p['projects']}  (R {rag['red']} / A {rag['amber']} / G {rag['green']})"],
        [t("cli.report.overdue", lang), p["overdue_items"]],
        [t("cli.report.high_risks", lang), p["open_high_risks"]],
        [t("cli.report.absorption", lang), "—" if absorption is None else f"{absorption:.1f} %"],
    ]
    print(f"{t('cli.report.portfolio', lang)} · {data['as_of']}", file=out)
    print(render(["", ""], rows), file=out)
    print(file=out)
    heads = [
        t("col.projects.project_id", lang),
        t("col.projects.name", lang),
        "KPI",
        "RAG",
        t("cli.report.reasons", lang),
    ]
    prow = [
        [
            x["project_id"],
            x["name"],
            "—" if x["kpi_index"] is None else f"{x['kpi_index']:.0%}",
            x["rag_effective"] or "—",
            ", ".join(x["rag_reasons"] or []),
        ]
        for x in data["projects"]
    ]
    print(render(heads, prow, max_width=50), file=out)
    if data["overdue"]:
        print(file=out)
        print(t("cli.report.overdue", lang), file=out)
        keys = ["kind", "item_id", "project_id", "responsible", "due", "days_overdue", "working_days_overdue"]
        print(render(keys, [[o[k] for k in keys] for o in data["overdue"]]), file=out)
