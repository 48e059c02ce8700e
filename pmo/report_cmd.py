"""``pmo report``: the whole picture as of a date, as JSON (the stable contract) or a table; with
``--batch N``, from the data as it stood right after batch N (``loaders.batch_state``)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import Any, TextIO

from i18n import has, numbers, t

from .textable import render, terminal_width


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

    p = sub.add_parser("report", parents=[common], help=tx("report"), description=tx("report"))
    p.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help=tx("as_of"))
    p.add_argument("--program", default=None, help=tx("program"))
    p.add_argument("--curator", default=None, help=tx("curator"))
    p.add_argument("--project", action="append", default=None, metavar="PROJECT_ID", help=tx("project"))
    p.add_argument("--format", choices=("json", "table"), default="json", help=tx("format"))
    p.add_argument("--batch", type=batch_number, default=None, metavar="N", help=tx("batch"))
    p.set_defaults(run=cmd_report)


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    """The metrics (pandas, DuckDB) are imported here, not when the parser is built."""
    from metrics.common import Filters
    from metrics.report import report

    from .cli import at_batch, opened
    from .jsonout import write_json

    as_of = args.as_of or dt.date.today()
    filters = Filters(args.program, args.curator, tuple(args.project) if args.project else None)
    source = opened(args, read_only=True) if args.batch is None else at_batch(args, out)
    with source as con:
        data = report(con, as_of, filters)
    if args.format == "json":
        write_json(data, out)  # a non-finite number is null: the output is always valid JSON
    else:
        print_table(data, args.lang, out)
    return 0


RAGS = ("red", "amber", "green")
OVERDUE_COLUMNS: dict[str, str] = {  # overdue item field -> catalog key of its header (as in the Excel pack)
    "kind": "meeting.kind",
    "item_id": "meeting.item",
    "project_id": "col.projects.project_id",
    "responsible": "meeting.responsible",
    "due": "meeting.due",
    "days_overdue": "meeting.days",
    "working_days_overdue": "meeting.working_days",
}


def _label(prefix: str, value: object, lang: str) -> str:
    if value is None:
        return numbers.MISSING
    key = f"{prefix}.{value}"
    return t(key, lang) if has(key) else str(value)


def standing(project: dict[str, Any], lang: str) -> str:
    """The project's effective RAG in words, or its stage when no RAG applies (not in planning or
    execution on the as-of date)."""
    rag = project.get("rag_effective")
    if rag in RAGS:
        return t(f"rag.{rag}", lang)
    stage = project.get("status")
    key = f"enum.project_status.{stage}"
    return t(key, lang) if stage is not None and has(key) else numbers.MISSING


def print_table(data: dict[str, Any], lang: str, out: TextIO) -> None:
    """The report as tables for a person: every number in the style of ``lang`` (``i18n.numbers``),
    labels in words. The JSON (``--format json``) is the contract; this is only a view of it."""
    from exports.digest_text import reason_text

    p = data["portfolio"]
    rag = p["rag"]
    live = p.get("active_projects")
    counts = " · ".join(f"{t(f'rag.{r}', lang)} {numbers.number(rag[r], lang)}" for r in RAGS)
    rows: list[list[object]] = [
        [t("cli.report.kpi_index", lang), numbers.percent(p["kpi_index"], lang)],
        [t("cli.report.projects", lang), numbers.number(p["projects"], lang)],
    ]
    if live is not None:
        rows.append([t("cli.report.live", lang), f"{numbers.number(live, lang)} ({counts})"])
    else:
        rows.append([t("meeting.rag_counts", lang), counts])
    rows += [
        [t("cli.report.overdue", lang), numbers.number(p["overdue_items"], lang)],
        [t("cli.report.high_risks", lang), numbers.number(p["open_high_risks"], lang)],
        [t("cli.report.absorption", lang), numbers.pct(p["budget"]["absorption"], lang, 1)],
    ]
    print(f"{t('cli.report.portfolio', lang)} · {data['as_of']}", file=out)
    print(render(["", ""], rows), file=out)
    print(file=out)
    heads = [
        t("col.projects.project_id", lang),
        t("col.projects.name", lang),
        t("cli.report.kpi_index", lang),
        t("cli.report.status", lang),
        t("cli.report.reasons", lang),
    ]
    prow = [
        [
            x["project_id"],
            x["name"],
            numbers.percent(x["kpi_index"], lang),
            standing(x, lang),
            "; ".join(reason_text(c, lang) for c in x["rag_reasons"] or []),
        ]
        for x in data["projects"]
    ]
    print(render(heads, prow, max_width=50, wrap=[len(heads) - 1], width=terminal_width(out)), file=out)
    if data["overdue"]:
        print(file=out)
        print(t("cli.report.overdue", lang), file=out)
        keys = list(OVERDUE_COLUMNS)
        body = [
            [
                _label("overdue_kind", o["kind"], lang),
                o["item_id"],
                o["project_id"],
                o["responsible"],
                o["due"],
                numbers.number(o["days_overdue"], lang),
                numbers.number(o["working_days_overdue"], lang),
            ]
            for o in data["overdue"]
        ]
        print(render([t(OVERDUE_COLUMNS[k], lang) for k in keys], body), file=out)
    roadmaps = data.get("roadmaps", {}).get("items", [])
    if roadmaps:
        print(file=out)
        print(t("cli.report.roadmaps", lang), file=out)
        print(
            render([t(f"cli.report.rm_{k}", lang) for k in ROADMAP_KEYS], [_roadmap_row(r, lang) for r in roadmaps]),
            file=out,
        )


ROADMAP_KEYS = ("id", "agency", "next", "overdue", "late", "violations")


def _roadmap_row(r: dict[str, Any], lang: str) -> list[object]:
    """A roadmap in the table: its next due step as the paragraph and the date (DT)."""
    from metrics.roadmaps import STEPS

    step = r["next_step"]
    due = r["next_due"]
    upcoming = f"{STEPS[step][0]} {due}" if step and due else "—"  # ISO, as the overdue table's dates
    return [
        r["roadmap_id"],
        r["agency"],
        upcoming,
        numbers.number(r["overdue_steps"], lang),
        numbers.number(r["late_steps"], lang),
        numbers.number(r["violations"], lang),
    ]
