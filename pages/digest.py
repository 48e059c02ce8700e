"""Since the last review: what changed, per project, between two as-of dates, worst first
(Reg §8, §34–35, §45); ``pmo diff`` gives the same."""

import streamlit as st

from exports.digest_text import counts
from i18n import numbers
from loaders import store
from metrics.common import previous_quarter_end
from ui import data, shell
from ui import digest_view as dv
from ui.session import lang, tr
from ui.tables import table

view = shell.page("page.digest")
if shell.empty_state():
    st.stop()

st.caption(tr("digest.intro"))
modes = {"dates": tr("digest.mode_dates"), "batches": tr("digest.mode_batches")}
mode = (
    st.segmented_control(
        tr("digest.mode"), list(modes), key="digest_mode", default="dates", format_func=modes.__getitem__
    )
    or "dates"
)
left, right, _ = st.columns([1, 1, 2])
if mode == "dates":
    then = left.date_input(
        tr("digest.from"), value=previous_quarter_end(view.as_of), key="digest_from", format="DD.MM.YYYY"
    )
    now = right.date_input(tr("digest.to"), value=view.as_of, key="digest_to", format="DD.MM.YYYY")
    if then >= now:
        st.warning(tr("digest.order"))
        st.stop()
    result = data.cached("digest", dv.compute, then, now, view.filters)
else:
    history = [b for b in store.batch_rows(data.live_cursor()) if b["status"] == "applied"]
    if not history:
        st.info(tr("digest.no_batches"))
        st.stop()
    names = {int(str(b["batch_id"])): dv.batch_label(b) for b in history}
    ids = list(names)  # newest first
    current = tr("as_of_batch.current")  # made in this run (a format function reads it later)
    choices: list[int] = ids
    first: int = left.selectbox(
        tr("digest.from_batch"),
        choices,
        index=min(1, len(ids) - 1),
        key="digest_from_batch",
        format_func=lambda b: names[b],
    )
    targets: list[int | None] = [None, *ids]
    last: int | None = right.selectbox(
        tr("digest.to_batch"),
        targets,
        key="digest_to_batch",
        format_func=lambda b: current if b is None else names[b],
    )
    if last is not None and last <= first:
        st.warning(tr("digest.order_batches"))
        st.stop()
    result = data.memo(
        "digest.batches",
        lambda: dv.compute_batches(
            data.connection_at(first), first, data.connection_at(last), last, view.as_of, view.filters
        ),
        first,
        last,
        view.as_of,
        view.filters,
    )
pp = numbers.plain(result["kpi_threshold_pp"], lang())
st.caption(tr("digest.threshold", pp=pp))
count = counts(result)
cards = st.columns(3)
for column, key in zip(cards, ("worse", "moved", "better"), strict=True):
    column.metric(f"{dv.SIGNS[key]} {tr(f'digest.col.{key}')}", numbers.number(count[key], lang()))
if not result["changes"]:
    st.info(tr("digest.nothing"))
    st.stop()
st.subheader(tr("digest.projects_title"))
table(
    dv.projects_frame(result),
    dv.PROJECT_COLS,
    key="digest_projects",
    file_stem=tr("digest.file_projects"),
    title=tr("digest.projects_title"),
)
st.subheader(tr("digest.changes_title"))
table(
    dv.changes_frame(result),
    dv.CHANGE_COLS,
    key="digest_changes",
    file_stem=tr("digest.file_changes"),
    title=tr("digest.changes_title"),
)
