"""The risks page's pieces: matrix zones from the settings, the clickable matrix, headline counts,
the table columns.

Numbers come from ``metrics.risks``; only open risks of projects that are not cancelled are
counted, as the heatmap counts them (DOMAIN §4.2).
"""

from __future__ import annotations

from typing import Final

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics.risks import FLAGS, derived_priority
from metrics.settings import Settings

from . import charts
from .session import tr
from .tables import Col

PROBABILITY_KEY: Final = "risks_probability"
IMPACT_KEY: Final = "risks_impact"
MATRIX_KEY: Final = "risks_matrix"
SCALE: Final = (1, 2, 3, 4, 5)
DASH: Final = "—"
_TEXT: Final = ("category", "priority_typed", "status", "owner", "responsible", "mitigation", "alternative_plan")
#: the order of the flag lists on the page
FLAG_ORDER: Final = ("no_mitigation", "no_alternative_plan", "stale", "priority_mismatch")
assert set(FLAG_ORDER) == set(FLAGS)


def zones(settings: Settings) -> dict[tuple[int, int], str]:
    """The zone of every (probability, impact) cell: the priority its score derives to."""
    cells = [(p, i) for p in SCALE for i in SCALE]
    derived = derived_priority(pd.Series([p * i for p, i in cells]), settings)
    return dict(zip(cells, derived, strict=True))


def zones_note(settings: Settings) -> str:
    high, medium = int(settings.risk_high_min_score), int(settings.risk_medium_min_score)
    return tr("risks.zones", high=high, medium=medium, medium_top=high - 1, low_top=medium - 1)


def live(register: pd.DataFrame) -> pd.DataFrame:
    """The risks that count: open, of projects that are not cancelled."""
    return register[register["is_open"] & ~register["project_cancelled"]]


def counts(register: pd.DataFrame) -> dict[str, int]:
    """Open risks, open high risks and the open risks carrying each flag."""
    rows = live(register)
    out = {"open": len(rows), "open_high": int(rows["priority"].eq("high").sum())}
    return out | {flag: int(rows[flag].sum()) for flag in FLAGS}


def shown(rows: pd.DataFrame) -> pd.DataFrame:
    """Risks as listed: blank text shown as a dash."""
    return rows.fillna({c: DASH for c in _TEXT})


def flagged(register: pd.DataFrame, flag: str) -> pd.DataFrame:
    rows = live(register)
    return shown(rows[rows[flag]].reset_index(drop=True))


def matrix(grid: pd.DataFrame, zone_of: dict[tuple[int, int], str], selected: tuple[int, int] | None) -> go.Figure:
    """The 5×5 matrix with a transparent marker on every cell: plotly selects points of a scatter
    trace, not cells of a heatmap, so a click lands on the marker and names its cell."""
    fig = charts.risk_matrix(
        grid,
        zone_of=zone_of,
        x_title=tr("risks.axis_impact"),
        y_title=tr("risks.axis_probability"),
        selected=selected,
        height=470,
    )
    fig.update_traces(hoverinfo="skip", hovertemplate=None, selector={"type": "heatmap"})
    cells = [(p, i) for p in SCALE for i in SCALE]
    values = grid.reindex(index=list(SCALE), columns=list(SCALE), fill_value=0).to_numpy()
    count = {(p, i): int(values[p - 1, i - 1]) for p, i in cells}
    fig.add_trace(
        go.Scatter(
            x=[i for _, i in cells],
            y=[p for p, _ in cells],
            mode="markers",
            marker={"symbol": "square", "size": 60, "color": "rgba(0,0,0,0)"},
            selected={"marker": {"color": "rgba(13,71,161,0.18)"}},
            unselected={"marker": {"opacity": 0}},
            hovertext=[tr("risks.hover", p=p, i=i, score=p * i, count=count[(p, i)]) for p, i in cells],
            hoverinfo="text",
            showlegend=False,
        )
    )
    fig.update_layout(clickmode="event+select", dragmode=False, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    fig.update_xaxes(fixedrange=True, showgrid=False, zeroline=False)
    fig.update_yaxes(fixedrange=True, showgrid=False, zeroline=False)
    return fig


def take_click() -> None:
    """A click on the matrix chooses its cell in the two selectboxes (a callback runs before the
    script, while the selectboxes may still be set)."""
    state = st.session_state.get(MATRIX_KEY)
    points = (state or {}).get("selection", {}).get("points", [])
    if points:
        st.session_state[PROBABILITY_KEY] = int(points[0]["y"])
        st.session_state[IMPACT_KEY] = int(points[0]["x"])


def cell_caption(p: int, i: int, count: int) -> str:
    return tr("risks.cell_caption", p=p, i=i, score=p * i, count=count)


def flag_file(flag: str) -> str:
    """A file name for a flag list, in the user's language."""
    words = "".join(c if c.isalnum() else " " for c in tr(f"risk_flag.{flag}")).split()
    return tr("risks.flag_file", flag="_".join(words))


def register_rows(register: pd.DataFrame) -> pd.DataFrame:
    """The register with a word where the project is cancelled, blank text as a dash."""
    return shown(register).assign(cancelled=register["project_cancelled"].map({True: tr("common.yes"), False: DASH}))


_ID: Final = [
    Col("risk_id", "col.risks.risk_id"),
    Col("project_id", "col.risks.project_id"),
    Col("title", "col.risks.title"),
]
_PI: Final = [
    Col("probability", "col.risks.probability", "int"),
    Col("impact", "col.risks.impact", "int"),
    Col("score", "risks.score", "int"),
]
_PRIORITY: Final = Col("priority", "risks.priority", "label", "enum.priority")
_RESPONSIBLE: Final = Col("responsible", "risks.responsible")
_MITIGATION: Final = Col("mitigation", "col.risks.mitigation")
_ALTERNATIVE: Final = Col("alternative_plan", "col.risks.alternative_plan")
_LAST: Final = Col("last_reassessed", "risks.last_reassessed", "date")
_DUE: Final = Col("review_due", "risks.review_due", "date")
_FLAGS: Final = Col("flags", "risks.flags", "list", "risk_flag")

CELL_COLS: Final = [
    *_ID,
    Col("category", "col.risks.category", "label", "enum.risk_category"),
    Col("score", "risks.score", "int"),
    _PRIORITY,
    _RESPONSIBLE,
    _MITIGATION,
    _ALTERNATIVE,
    _LAST,
    _DUE,
    _FLAGS,
]
FLAG_COLS: Final = {
    "no_mitigation": [*_ID, *_PI, _PRIORITY, _RESPONSIBLE, _ALTERNATIVE, _LAST],
    "no_alternative_plan": [*_ID, *_PI, _PRIORITY, _RESPONSIBLE, _MITIGATION, _LAST],
    "stale": [*_ID, _PRIORITY, _RESPONSIBLE, _LAST, _DUE],
    "priority_mismatch": [
        *_ID,
        *_PI,
        Col("priority_typed", "risks.priority_typed", "label", "enum.priority"),
        Col("priority_derived", "risks.priority_derived", "label", "enum.priority"),
        _RESPONSIBLE,
    ],
}
REGISTER_COLS: Final = [
    *_ID,
    Col("category", "col.risks.category", "label", "enum.risk_category"),
    *_PI,
    Col("priority_derived", "risks.priority_derived", "label", "enum.priority"),
    Col("priority_typed", "risks.priority_typed", "label", "enum.priority"),
    _PRIORITY,
    Col("status", "col.risks.status", "label", "enum.risk_status"),
    _RESPONSIBLE,
    _MITIGATION,
    _ALTERNATIVE,
    Col("identified_on", "col.risks.identified_on", "date"),
    _LAST,
    _DUE,
    _FLAGS,
    Col("cancelled", "risks.project_cancelled"),
]
