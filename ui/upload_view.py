"""The Upload page's pieces: template, files, the check and its preview, confirm, history, rollback.

Nothing here decides what an upload means: ``loaders.importer`` reads, checks and writes (as the
signed-in user, whose rights it checks), ``loaders.store`` keeps the history. These helpers draw
what they return in the user's language and keep the page's state (keys prefixed ``upload_``)
between reruns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from i18n import has, numbers
from loaders import preview, store, template
from loaders.access import AccessDenied, Actor, Right
from loaders.importer import ImportPlan, SheetSource, StalePlan, commit, import_limits, prepare
from loaders.issues import ISSUE_COLUMNS, Issue
from loaders.mapping_builder import ForFiles
from loaders.reader import Loaded
from loaders.schema import ENUM_CATALOG, TABLES, table_specs

from . import data
from .safe import md, md_join
from .session import lang, tr
from .tables import Col, table

log = logging.getLogger(__name__)
T = TypeVar("T")

FILE_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
K_GEN, K_PLANS, K_FLASH = "upload_gen", "upload_plans", "upload_flash"
K_RB_BATCH, K_RB_SURE = "upload_rb_batch", "upload_rb_sure"
PLANS_KEPT = 4

COUNT_COLS = [
    Col("table", "cli.table", "label", "table"),
    Col("inserted", "cli.inserted", "int"),
    Col("changed", "cli.changed", "int"),
    Col("unchanged", "cli.unchanged", "int"),
]
ISSUE_COLS = [
    Col("file", "cli.col.file"),
    Col("sheet", "cli.col.sheet"),
    Col("row", "upload.excel_row", "int"),
    Col("column", "cli.col.column"),
    Col("value", "cli.col.value"),
    Col("reason", "cli.col.reason"),
]


def labelled(options: Sequence[T], text: Callable[[T], str]) -> Callable[[T], str]:
    """A ``format_func`` whose texts are made now, in this run's language (not when called later)."""
    texts = {o: text(o) for o in options}
    return lambda o: texts.get(o, str(o))


# --------------------------------------------------------------------------------------------
# Template, user, files


def template_button(ui_lang: str) -> None:
    """The empty template in the UI language (built only when clicked)."""
    st.download_button(
        tr("upload.template_button"),
        data=lambda: template.to_bytes(template.build(ui_lang)),
        file_name=f"{tr('upload.template_file')}_{ui_lang}.xlsx",
        mime=XLSX_MIME,
        key="upload_template",
        on_click="ignore",
        icon=":material/download:",
        help=tr("upload.template_help"),
        width="stretch",
    )


def who(actor: Actor) -> None:
    """Whose name the upload goes under, and what their role lets them upload."""
    scope = "upload.scope_all" if actor.can(Right.UPLOAD) else "upload.scope_own"
    st.caption(tr("upload.as_user", user=md(actor.name), role=tr(f"role.{actor.role.value}")) + " " + tr(scope))


def _css_text(text: str) -> str:
    """A catalog text as a CSS string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _uploader_words(limit_mb: float) -> None:
    """The uploader's own English words ("Upload", "200MB per file") replaced by the catalog's,
    with the import limit in force (layout CSS; Streamlit has no setting for them)."""
    button = _css_text(tr("upload.dropzone_button"))
    hint = _css_text(tr("upload.dropzone_hint", mb=numbers.number(limit_mb, lang(), 0)))
    st.html(
        "<style>"
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {display: none;}'
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after'
        f" {{content: {button};}}"
        '[data-testid="stFileUploaderDropzoneInstructions"] span {display: none;}'
        f'[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{content: {hint}; font-size: 0.85rem;'
        " opacity: 0.75;}"
        "</style>"
    )


def uploaded_files() -> list[Loaded]:
    """The uploader; its key changes after a write so it starts empty for the next files."""
    _uploader_words(import_limits(data.live_cursor()).file_mb)
    gen = st.session_state.setdefault(K_GEN, 0)
    got = st.file_uploader(
        tr("upload.uploader"),
        type=FILE_TYPES,
        accept_multiple_files=True,
        key=f"upload_files_{gen}",
        help=tr("upload.uploader_help"),
    )
    files = [Loaded(f.name, f.getvalue()) for f in got or []]
    if files:
        st.session_state.pop(K_FLASH, None)
    return files


# --------------------------------------------------------------------------------------------
# Checking (memoised per files, data version and mapping: reruns do not read the files again)


def _mapping_key(mapping: SheetSource | None) -> object:
    if isinstance(mapping, ForFiles):
        return (mapping.profile.to_toml(), tuple(sorted(mapping.names)))
    return None if mapping is None else id(mapping)


def plan_for(files: Sequence[Loaded], actor: Actor, mapping: SheetSource | None = None) -> ImportPlan | None:
    """``prepare`` of these files against the store now; None (with a message) if it broke. Each
    file is read in a child process under the import limits, so a hostile file is a message."""
    digests = tuple((f.name, hashlib.sha256(f.data).hexdigest()) for f in files)
    key = (digests, data.version(), _mapping_key(mapping), actor)
    plans: dict[object, ImportPlan] = st.session_state.setdefault(K_PLANS, {})
    if key not in plans:
        try:
            with st.spinner(tr("upload.checking")):
                plan = prepare(data.live_cursor(), files, mapping=mapping, actor=actor)
        except Exception:  # bad input never crashes the page; the importer turns known faults into issues
            log.exception("checking an upload failed")
            st.warning(tr("upload.check_failed"), icon=":material/error:")
            return None
        while len(plans) >= PLANS_KEPT:
            plans.pop(next(iter(plans)))
        plans[key] = plan
    return plans[key]


def show_passport_changes(plan: ImportPlan) -> None:
    """The passport changes of existing projects (names, programs, curators, start and end dates),
    one line per field, above the rest of the check: easy to miss in the per-row diff."""
    lines = preview.passport_warnings(plan.diffs, lang(), md)
    if lines:
        items = "\n".join(f"- {line}" for line in lines)
        st.warning(f"**{tr('upload.passport.title')}**\n\n{items}", icon=":material/edit_note:")


def issues_frame(issues: Sequence[Issue]) -> pd.DataFrame:
    """One line per issue: file, sheet, Excel row, column, value, reason (in the user's language)."""
    rows = [i.as_row(lang()) for i in issues]
    df = pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))
    df["row"] = pd.to_numeric(df["row"], errors="coerce").astype("Int64")  # a file-level issue has no row
    return df.sort_values(["file", "sheet", "row"], na_position="first", kind="stable").reset_index(drop=True)


def show_issues(plan: ImportPlan) -> None:
    """Errors first (they stop the upload), then warnings."""
    errors = [i for i in plan.issues if i.level == "error"]
    warnings = [i for i in plan.issues if i.level == "warning"]
    if errors:
        st.error(tr("upload.blocked", count=len(errors)), icon=":material/block:")
        whole = [i for i in errors if i.row is None and i.column is None][:5]  # a file that cannot be read
        if whole:
            st.error("\n\n".join(md(i.message(lang())) for i in whole), icon=":material/gpp_bad:")
        st.markdown(f"**{tr('upload.errors_title')}: {len(errors)}**")
        table(
            issues_frame(errors),
            ISSUE_COLS,
            key="upload_errors",
            file_stem=tr("upload.errors_file"),
            title=tr("upload.errors_title"),
        )
    elif plan.files:
        st.success(tr("upload.ready"), icon=":material/task_alt:")
    if warnings:
        st.markdown(f"**{tr('upload.warnings_title')}: {len(warnings)}**")
        st.caption(tr("upload.warnings_hint"))
        table(
            issues_frame(warnings),
            ISSUE_COLS,
            key="upload_warnings",
            file_stem=tr("upload.warnings_file"),
            title=tr("upload.warnings_title"),
        )


def counts_frame(plan: ImportPlan) -> pd.DataFrame:
    rows = [
        {"table": name, "inserted": d.counts.inserted, "changed": d.counts.changed, "unchanged": d.counts.unchanged}
        for name, d in sorted(plan.diffs.items(), key=lambda kv: TABLES.index(kv[0]))
    ]
    return pd.DataFrame(rows, columns=["table", "inserted", "changed", "unchanged"])


def _shown(table_name: str, field: str, value: object) -> object:
    """A stored value as the user reads it: enum labels in their language, dates as 23.11.2026."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    spec = table_specs()[table_name]
    if field not in spec.columns:
        return value
    f = spec.field(field)
    if f.enum is not None:
        key = f"enum.{ENUM_CATALOG[f.enum]}.{value}"
        return tr(key) if has(key) else value
    if f.kind == "date":
        try:
            return f"{dt.date.fromisoformat(str(value)[:10]):%d.%m.%Y}"
        except ValueError:
            return value
    return value


def show_changes(plan: ImportPlan) -> None:
    """Per table: new, changed, unchanged rows; the changed values side by side."""
    if not plan.diffs:
        return
    st.subheader(tr("upload.changes_title"))
    counts = counts_frame(plan)
    cards = st.columns(3)
    for card, kind in zip(cards, ("inserted", "changed", "unchanged"), strict=True):
        card.metric(tr(f"cli.{kind}"), int(counts[kind].sum()))
    table(
        counts, COUNT_COLS, key="upload_counts", file_stem=tr("upload.changes_file"), title=tr("upload.changes_title")
    )
    for name, diff in sorted(plan.diffs.items(), key=lambda kv: TABLES.index(kv[0])):
        if not diff.counts.changed:
            continue
        spec = table_specs()[name]
        changes = diff.changes.copy()
        for col in ("old", "new"):
            shown = [_shown(name, f, v) for f, v in zip(changes["field"], changes[col], strict=True)]
            changes[col] = pd.Series(shown, index=changes.index, dtype=object)
        cols = [
            Col("_row", "upload.excel_row", "int"),
            *[Col(k, f"col.{name}.{k}") for k in spec.key],
            Col("field", "upload.field", "label", f"col.{name}"),
            Col("old", "upload.old"),
            Col("new", "upload.new"),
        ]
        title = tr("upload.changed_values", table=tr(f"table.{name}"), count=diff.counts.changed)
        with st.expander(title, icon=":material/compare_arrows:"):
            table(changes, cols, key=f"upload_changes_{name}", file_stem=tr("upload.changes_file"), title=title)


# --------------------------------------------------------------------------------------------
# Confirm, and the message after a write or a rollback


def _flash(kind: str, text: str, counts: pd.DataFrame | None = None) -> None:
    st.session_state[K_FLASH] = {"kind": kind, "text": text, "counts": counts}


def show_flash() -> None:
    """The outcome of the last write or rollback (until new files are uploaded)."""
    note: dict[str, Any] | None = st.session_state.get(K_FLASH)
    if not note:
        return
    if note["kind"] == "success":
        st.success(note["text"], icon=":material/check_circle:")
    else:
        st.warning(note["text"], icon=":material/warning:")
    counts = note.get("counts")
    if counts is not None and not counts.empty:
        st.caption(tr("upload.committed_note"))
        table(
            counts, COUNT_COLS, key="upload_result", file_stem=tr("upload.result_file"), title=tr("upload.result_title")
        )


def confirm(plan: ImportPlan, actor: Actor) -> None:
    """The button that writes the plan as one batch (the diff is worked out again inside the write)."""
    st.subheader(tr("upload.confirm_title"))
    if not plan.ok:
        st.caption(tr("upload.confirm_blocked"))
        return
    if not plan.files:
        st.info(tr("cli.nothing_to_import"), icon=":material/info:")
        return
    if not plan.has_changes:
        st.caption(tr("upload.no_change"))
    st.caption(tr("upload.confirm_hint"))
    if not st.button(tr("upload.confirm"), type="primary", key="upload_confirm", icon=":material/check:"):
        return
    try:
        with st.spinner(tr("upload.writing")), data.write() as con:
            batch = commit(con, plan, actor)
    except StalePlan:  # someone else changed the data since the check: check again against it
        _flash("warning", tr("upload.changed_meanwhile"))
    except ValueError:  # a file was imported by someone else since the check
        _flash("warning", tr("upload.imported_meanwhile"))
    except AccessDenied as exc:
        _flash("warning", denied(exc))
    except store.StoreBusy:
        _flash("warning", tr("upload.store_busy", wait=int(store.busy_wait())))
    except duckdb.Error:
        log.exception("writing an upload failed")
        _flash("warning", tr("upload.commit_failed"))
    else:
        files = md_join(r.name for r in plan.files)
        _flash("success", tr("cli.imported", batch=batch, files=files), counts_frame(plan))
        st.session_state[K_GEN] = st.session_state.get(K_GEN, 0) + 1  # an empty uploader
    st.session_state.pop(K_PLANS, None)
    st.rerun()  # the sidebar and every cached metric follow the new data version


def denied(exc: AccessDenied) -> str:
    """A refusal in the user's words: their role, and the projects that are not theirs."""
    role = tr(f"role.{exc.actor.role.value}")
    if exc.projects:
        return tr("access.not_your_projects", user=md(exc.actor.name), role=role, projects=md_join(exc.projects))
    return tr("access.denied", user=md(exc.actor.name), role=role, right=tr(f"right.{exc.right.value}"))


# --------------------------------------------------------------------------------------------
# History and rollback


def _when(value: object) -> str | None:
    if not isinstance(value, dt.datetime) or pd.isna(value):  # NaT is a datetime too
        return None
    return f"{value:%d.%m.%Y %H:%M}"


HISTORY_COLS = [
    Col("batch_id", "cli.col.batch_id", "int"),
    Col("imported_at", "cli.col.imported_at"),
    Col("user_name", "cli.col.user_name"),
    Col("file_name", "cli.col.file_name"),
    Col("status", "cli.col.status", "label", "cli.batch_status"),
    Col("inserted", "cli.inserted", "int"),
    Col("changed", "cli.changed", "int"),
    Col("unchanged", "cli.unchanged", "int"),
    Col("rolled_back_at", "upload.rolled_back_at"),
    Col("rolled_back_by", "upload.rolled_back_by"),
]


def history(actor: Actor) -> None:
    """Every batch, newest first, and (for those who may) the rollback of an applied one."""
    st.subheader(tr("upload.history_title"))
    batches = store.batches(data.live_cursor())
    if batches.empty:
        st.caption(tr("cli.no_batches"))
        return
    shown = batches.assign(
        imported_at=batches["imported_at"].map(_when),
        rolled_back_at=batches["rolled_back_at"].map(_when).fillna(""),
        rolled_back_by=batches["rolled_back_by"].fillna(""),
    )
    table(
        shown, HISTORY_COLS, key="upload_history", file_stem=tr("upload.history_file"), title=tr("upload.history_title")
    )
    if actor.can(Right.ROLLBACK):
        _rollback(shown, actor)


def _rollback(batches: pd.DataFrame, actor: Actor) -> None:
    st.markdown(f"**{tr('upload.rollback_title')}**")
    applied = batches[batches["status"] == "applied"].sort_values("batch_id")
    if applied.empty:
        st.caption(tr("upload.rollback_none"))
        return
    ids = [int(b) for b in applied["batch_id"]]
    if st.session_state.get(K_RB_BATCH) not in (None, *ids):
        del st.session_state[K_RB_BATCH]
    by_id = applied.set_index("batch_id")

    def label(b: int) -> str:
        r = by_id.loc[b]
        return tr("upload.batch_option", batch=b, when=r["imported_at"], files=r["file_name"], user=r["user_name"])

    pick = st.selectbox(
        tr("upload.rollback_pick"),
        ids[::-1],
        index=None,
        format_func=labelled(ids, label),
        placeholder=tr("upload.rollback_placeholder"),
        key=K_RB_BATCH,
    )
    if pick is None:
        return
    undone = applied[applied["batch_id"] >= pick]
    later = [int(b) for b in undone["batch_id"] if b != pick]
    listed = ", ".join(str(b) for b in undone["batch_id"])
    if later:
        st.warning(
            tr("upload.rollback_later", batch=pick, batches=", ".join(map(str, later))), icon=":material/warning:"
        )
    else:
        st.caption(tr("upload.rollback_only", batch=pick))
    table(
        undone,
        HISTORY_COLS[:8],
        key="upload_rb_list",
        file_stem=tr("upload.history_file"),
        title=tr("upload.rollback_title"),
    )
    st.caption(tr("upload.rollback_effect", batch=pick))
    sure = st.checkbox(tr("upload.rollback_sure", batches=listed), key=K_RB_SURE)
    if not st.button(tr("upload.rollback_button"), key="upload_rb_go", disabled=not sure, icon=":material/undo:"):
        return
    try:
        with data.write() as con:
            done = store.rollback(con, pick, actor)
    except store.RollbackError as exc:
        _flash("warning", tr(f"cli.{exc.code}", batch=exc.batch_id))
    except AccessDenied as exc:
        _flash("warning", denied(exc))
    except store.StoreBusy:
        _flash("warning", tr("upload.store_busy", wait=int(store.busy_wait())))
    except duckdb.Error:
        log.exception("rolling back failed")
        _flash("warning", tr("upload.commit_failed"))
    else:
        _flash("success", tr("cli.rolled_back", batches=", ".join(map(str, done))))
    for key in (K_RB_BATCH, K_RB_SURE, K_PLANS):
        st.session_state.pop(key, None)
    st.rerun()
