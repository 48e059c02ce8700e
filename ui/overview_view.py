"""The Overview's first screen: the headline numbers, and the curator's decision list (the
projects that need them, worst first, each with its status, KPI index and main reason in words).

Both are drawn as HTML for the layout they need on a projector, a laptop and a phone; every value
from the data in them is escaped (``html.escape``), the rest is numbers and catalog words.
"""

from __future__ import annotations

import html
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

import pandas as pd

from exports import paper

from . import labels, rag
from .session import View, lang, tr
from .tables import Col

LIST_ROWS: Final = 10
#: the timeline opens by itself up to this many live projects; above, on request
TIMELINE_OPEN_MAX: Final = 40

#: the full table: the key pinned, then status, KPI and the reasons; the rest after
PROJECT_COLS: Final = [
    Col("project_id", "col.projects.project_id", width=100, pinned=True),
    Col("rag_effective", "overview.effective", "rag", width=120),
    # the source system's own rating, beside ours (a column only when a project has one)
    Col("reported_rag", "col.projects.reported_rag", width=130),
    Col("kpi_index", "overview.kpi", "fraction", width=90),
    Col("reason", "overview.main_reason", width=330),
    Col("other_reasons", "overview.other_reasons", "int", width=120),
    Col("name", "col.projects.name", width=280),
    Col("lifecycle", "overview.stage", "label", "enum.project_status", width=120),
    Col("result", "overview.result", width=160),
    Col("program", "col.projects.program", width=240),
    Col("rag_override", "overview.override", "rag", width=160),
    Col("override_comment", "overview.override_comment", width=240),
]

CSS: Final = """
<style>
.pmo-strip {display: grid; grid-template-columns: repeat(auto-fit, minmax(6.4rem, 1fr)); gap: 0.4rem;
            margin: 0 0 0.3rem 0;}
.pmo-card {border: 1px solid rgba(49,51,63,0.15); border-radius: 0.5rem; padding: 0.3rem 0.5rem;}
.pmo-card .l {font-size: 0.8rem; color: rgba(49,51,63,0.75); line-height: 1.15; overflow-wrap: anywhere;
              min-height: 1.85rem;}
.pmo-card .v {font-size: 1.45rem; font-weight: 700; line-height: 1.2; white-space: nowrap;}
.pmo-card .d {font-size: 0.8rem; line-height: 1.2; white-space: nowrap;}
.pmo-card .d.good {color: #1B7F3B;} .pmo-card .d.bad {color: #B2182B;} .pmo-card .d.flat {color: rgba(49,51,63,0.6);}
.pmo-list {width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 0.95rem;}
.pmo-list th {text-align: left; font-weight: 600; font-size: 0.8rem; color: rgba(49,51,63,0.7);
              border-bottom: 1px solid rgba(49,51,63,0.2); padding: 0.2rem 0.4rem;}
.pmo-list td {padding: 0.25rem 0.4rem; border-bottom: 1px solid rgba(49,51,63,0.08); vertical-align: middle;}
.pmo-list td.p {overflow-wrap: anywhere; line-height: 1.25;}
.pmo-list td.p a {color: inherit; text-decoration: none; font-weight: 600;}
.pmo-list td.p a:hover {text-decoration: underline;}
.pmo-list td.r {line-height: 1.25;}
.pmo-list td.k, .pmo-list th.k {text-align: right; white-space: nowrap;}
.pmo-list .more {color: rgba(49,51,63,0.6); white-space: nowrap; font-size: 0.85rem;}
.pmo-list col.c-rag {width: 8.5rem;} .pmo-list col.c-kpi {width: 4.5rem;} .pmo-list col.c-p {width: 34%;}
.pmo-first {display: flex; flex-direction: column;}
.pmo-first h4 {font-size: 1.25rem; font-weight: 600; margin: 0.9rem 0 0.4rem 0; padding: 0;}
.pmo-first .note {font-size: 0.85rem; color: rgba(49,51,63,0.6); margin-top: 0.3rem;}
/* a phone: the decision list first, each project on two lines (status, project and KPI; then the
   reason), the cards after it two to a row */
@media (max-width: 640px) {
  .pmo-first .pmo-decisions {order: -1;}
  .pmo-first h4 {margin-top: 0;}
  .pmo-strip {grid-template-columns: 1fr 1fr; margin-top: 0.8rem;}
  .pmo-card .l {min-height: 0;}
  .pmo-card .v {font-size: 1.2rem;}
  .pmo-list thead, .pmo-list colgroup {display: none;}
  .pmo-list, .pmo-list tbody {display: block; width: 100%;}
  .pmo-list tr {display: grid; grid-template-columns: auto 1fr auto; column-gap: 0.5rem; row-gap: 0.15rem;
                align-items: center; padding: 0.45rem 0; border-bottom: 1px solid rgba(49,51,63,0.12);}
  .pmo-list td {border: none; padding: 0;}
  .pmo-list td.r {grid-column: 1 / -1; font-size: 0.9rem;}
}
</style>
"""


@dataclass(frozen=True)
class Card:
    label: str  # short words, on one or two lines
    value: str
    help: str  # the long meaning, as a tooltip
    delta: str | None = None
    good: bool | None = None  # whether the change is good news (None: neither)


def _delta(now: float | None, before: float | None, *, scale: float = 1.0, unit: str = "") -> tuple[str | None, float]:
    return paper.change(now, before, lang(), scale=scale, unit=unit)  # written as on paper


def cards(now: Mapping[str, Any], before: Mapping[str, Any], since: str) -> list[Card]:
    """The headline numbers, each with its change since the last quarter end (whether a change
    is good news: more KPI and more green are; more red, amber, overdue and high risks are not)."""
    out: list[Card] = []
    text, change = _delta(now["kpi_index"], before["kpi_index"], scale=100, unit=" " + tr("meeting.pp"))
    kpi = labels.percent(now["kpi_index"])
    out.append(Card(tr("overview.kpi_index"), kpi, tr("overview.kpi_index_help"), text, change > 0 if change else None))
    counts: list[tuple[str, str, int, int, int]] = [  # label, help, now, before, +1 good / -1 bad / 0 neither
        (tr("overview.projects"), "overview.projects_help", now["active_projects"], before["active_projects"], 0),
        *[
            (f"{rag.SHAPES[k]} {tr(f'overview.{k}')}", f"overview.{k}_help", now["rag"][k], before["rag"][k], sign)
            for k, sign in (("red", -1), ("amber", -1), ("green", 1))
        ],
        (tr("overview.overdue"), "overview.overdue_help", now["overdue_items"], before["overdue_items"], -1),
        (tr("overview.high_risks"), "overview.high_risks_help", now["open_high_risks"], before["open_high_risks"], -1),
    ]
    for label, help_key, value, was, sign in counts:
        text, change = _delta(value, was)
        good = None if not change or not sign else (change > 0) == (sign > 0)
        out.append(Card(label, labels.number(value), tr(help_key), text, good))
    return [Card(c.label, c.value, f"{c.help} {since}", c.delta, c.good) for c in out]


def cards_html(items: list[Card]) -> str:
    parts = []
    for c in items:
        tone = "flat" if c.good is None else "good" if c.good else "bad"
        delta = f'<div class="d {tone}">{html.escape(c.delta)}</div>' if c.delta else '<div class="d flat">&nbsp;</div>'
        parts.append(
            f'<div class="pmo-card" title="{html.escape(c.help)}" data-testid="pmo-card">'
            f'<div class="l">{html.escape(c.label)}</div><div class="v">{html.escape(c.value)}</div>{delta}</div>'
        )
    return f'<div class="pmo-strip">{"".join(parts)}</div>'


def passport_link(view: View, pid: str) -> str:
    """The passport of ``pid`` in the same language, date and filters (a relative link: it works
    under any base path)."""
    params: dict[str, str | list[str]] = {"pid": pid, "lang": view.lang, "as_of": view.as_of.isoformat()}
    if view.filters.program:
        params["program"] = view.filters.program
    if view.filters.curator:
        params["curator"] = view.filters.curator
    return "passport?" + urlencode(params, doseq=True)


def _th(key: str, css: str = "") -> str:
    return f'<th class="{css}">{html.escape(tr(key))}</th>'


def _row(r: pd.Series, view: View) -> str:
    pid, name = str(r["project_id"]), str(r["name"] or "")
    main = r["main_reason"]
    reason = labels.reason(str(main)) if isinstance(main, str) else tr("overview.no_reason")
    more = int(r["other_reasons"])
    extra = f' <span class="more">{html.escape(tr("overview.more_reasons", count=more))}</span>' if more else ""
    manual = isinstance(r["rag_override"], str)
    badge = rag.badge_html(r["rag_effective"])
    if manual:
        badge += f' <span class="more">{html.escape(tr("overview.overridden"))}</span>'
    link = html.escape(passport_link(view, pid), quote=True)
    return (
        f'<tr data-testid="pmo-decision" data-pid="{html.escape(pid, quote=True)}">'
        f'<td class="s">{badge}</td>'
        f'<td class="p" title="{html.escape(f"{pid} · {name}", quote=True)}">'
        f'<a href="{link}" target="_self">{html.escape(pid)} · {html.escape(name)}</a></td>'
        f'<td class="k">{html.escape(labels.percent(r["kpi_index"]))}</td>'
        f'<td class="r">{html.escape(reason)}{extra}</td></tr>'
    )


def first_screen_html(strip: str, title: str, body: str, note: str | None) -> str:
    """The headline strip, then the decision list under its title (on a phone the list comes
    first): ``body`` is ``decision_html`` or a line saying there is nothing to decide."""
    more = f'<div class="note">{html.escape(note)}</div>' if note else ""
    decisions = f'<div class="pmo-decisions"><h4>{html.escape(title)}</h4>{body}{more}</div>'
    return f'<div class="pmo-first">{strip}{decisions}</div>'


def decision_html(ordered: pd.DataFrame, view: View, limit: int = LIST_ROWS) -> str:
    """The decision list: status, project (a link to its passport), KPI index, the main reason in
    words and how many more there are."""
    head = (
        '<colgroup><col class="c-rag"><col class="c-p"><col class="c-kpi"><col></colgroup><thead><tr>'
        + _th("overview.effective")
        + _th("overview.project")
        + _th("overview.kpi", "k")
        + _th("overview.main_reason")
        + "</tr></thead>"
    )
    rows = "".join(_row(r, view) for _, r in ordered.head(limit).iterrows())
    return f'<table class="pmo-list" data-testid="pmo-decisions">{head}<tbody>{rows}</tbody></table>'


def project_rows(status: pd.DataFrame, ordered: pd.DataFrame) -> pd.DataFrame:
    """Every project for the full table: the decision list's order, then the projects no RAG
    applies to; the main reason in words and, for a completed one, its final result."""
    rest = status[~status["project_id"].isin(ordered["project_id"])].assign(main_reason=None, other_reasons=0)
    rows = pd.concat([ordered, rest], ignore_index=True) if len(rest) else ordered
    reasons: list[object] = [labels.reason(m) if isinstance(m, str) else None for m in rows["main_reason"]]
    results: list[object] = [
        tr("status.short_final", achieved=int(a), total=int(t)) if lc == "completed" else None
        for lc, a, t in zip(rows["lifecycle"], rows["indicators_achieved"], rows["indicators"], strict=True)
    ]
    return rows.assign(
        reason=pd.Series(reasons, dtype=object).to_numpy(), result=pd.Series(results, dtype=object).to_numpy()
    )


# --------------------------------------------------------------------------------------------
# Data freshness: the projects whose monitoring data is stale, for the coordinator (Reg §8, §45)

#: the coordinator's list, as downloaded: who to ask, and for what
STALE_COLS: Final = [
    Col("project_id", "col.projects.project_id"),
    Col("name", "col.projects.name"),
    Col("project_manager", "col.projects.project_manager"),
    Col("missing", "freshness.col.missing"),
    Col("last_upload", "freshness.col.last_upload", "date"),
    Col("indicator_values_updated", "freshness.col.indicator_values_updated", "date"),
    Col("activities_updated", "freshness.col.activities_updated", "date"),
    Col("risks_updated", "freshness.col.risks_updated", "date"),
]


def _day(value: object) -> str:
    return f"{pd.Timestamp(value):%d.%m.%Y}"  # type: ignore[arg-type]


def stale_reasons(r: Mapping[str, Any]) -> list[str]:
    """What a stale project lacks, in words: the indicators without a value for the quarter, the
    risks and activities not updated since a day (or never)."""
    out: list[str] = []
    for code in r["reasons"]:
        if code == "values_missing":
            ids = ", ".join(map(str, r["values_missing"]))
            out.append(tr("freshness.reason.values_missing", date=_day(r["quarter_end"]), ids=ids))
            continue
        table = code.removesuffix("_stale")
        since, days = r[f"{table}_updated"], int(r[f"{table}_days"])
        if since is None or pd.isna(since):
            out.append(tr(f"freshness.reason.{table}_never", days=days))
        else:
            out.append(tr(f"freshness.reason.{table}_stale", date=_day(since), days=days))
    return out


def stale_rows(fresh: pd.DataFrame) -> pd.DataFrame:
    """The stale projects of ``metrics.freshness.data_freshness`` with what they lack in words."""
    stale = fresh[fresh["stale"]]
    records = typing.cast(list[dict[str, Any]], stale.to_dict("records"))
    missing = ["; ".join(stale_reasons(r)) for r in records]
    return stale.assign(missing=pd.Series(missing, dtype=object, index=stale.index)).reset_index(drop=True)


def stale_html(rows: pd.DataFrame, view: View) -> str:
    """One item per stale project: a link to its passport, its project manager, what it lacks."""
    items = []
    for r in rows.to_dict("records"):
        pid, manager = str(r["project_id"]), r["project_manager"]
        who = tr("freshness.manager", name=manager) if isinstance(manager, str) else tr("freshness.no_manager")
        items.append(
            f'<li data-testid="pmo-stale" data-pid="{html.escape(pid, quote=True)}">'
            f'<a href="{html.escape(passport_link(view, pid), quote=True)}" target="_self">'
            f"{html.escape(pid)} · {html.escape(str(r['name'] or ''))}</a> ({html.escape(who)}) — "
            f"{html.escape(str(r['missing']))}</li>"
        )
    return f"<ul>{''.join(items)}</ul>"
