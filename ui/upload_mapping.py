"""The Upload page's mapping step: read an export of another system through a mapping profile.

A shipped profile (``data/mappings/*.toml``) or one saved earlier (in the store) is used as it is;
otherwise the user builds one for a single target table: sheet, header row, date order, decimal
separator, a source column (or a constant) per field, value maps for enum fields. The profile is
previewed through the same check as any upload and can be downloaded as TOML, or saved by those
who may (``Right.PROFILES``; a shipped profile is never replaced). The file's sheets are read in
the reader's child process, under the import limits, like any upload. A profile's further sources
(``[sources.<name>]``, for SQL joins) are files of the same upload, named as the profile names
them: bound to the profile, read with the export and recorded with the batch, never read as data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, cast

import streamlit as st
from pydantic import ValidationError

from loaders import mapping_builder as mb
from loaders import profiles, sandbox, store
from loaders.access import AccessDenied, Actor, Right
from loaders.importer import ImportPlan, import_limits
from loaders.issues import ReadError
from loaders.mapping import Profile, Scalar
from loaders.reader import HEADER_SCAN_ROWS, Grid, Loaded, read_grids
from loaders.schema import ENUM_CATALOG, TABLES, FieldSpec, table_specs

from . import data
from .safe import md, md_join
from .session import lang, tr
from .upload_view import denied, labelled

K_ON, K_FILE, K_PROFILE, K_GRIDS = "upload_map_on", "upload_map_file", "upload_map_profile", "upload_grids"
Dates = Literal["day_first", "month_first"]
COLUMNS_LISTED = 30  # other headers of a file that hardly fits its table named; the rest only counted
Decimal = Literal[",", "."]


def step(files: Sequence[Loaded], plan: ImportPlan | None, actor: Actor) -> tuple[bool, mb.ForFiles | None]:
    """Whether the mapping step is on, and the mapping to preview with (None while incomplete).

    It opens by itself when a file holds no table the importer can take as it is (none recognised,
    or only one it hardly fits: ``mapping_builder.poor_match``), else on the user's request."""
    foreign = mb.foreign_files(plan) if plan is not None else []
    poor: dict[str, mb.PoorMatch] = {}
    if plan is not None and foreign:
        for m in mb.poor_matches(plan):
            if m.file in foreign:
                poor.setdefault(m.file, m)
        _explain(foreign, poor)
    elif not st.toggle(tr("upload.map_toggle"), key=K_ON, help=tr("upload.map_toggle_help")):
        return False, None
    with st.container(border=True):
        st.markdown(f"#### {tr('upload.map_title')}")
        names = [f.name for f in files]
        name = names[0]
        if len(names) > 1:
            if st.session_state.get(K_FILE) not in names:
                st.session_state.pop(K_FILE, None)
            first = names.index(foreign[0]) if foreign else 0
            name = st.selectbox(tr("upload.map_file"), names, index=first, key=K_FILE)
        loaded = next(f for f in files if f.name == name)
        picked, profile = _saved()
        if not picked:
            profile = _built(loaded, actor, poor.get(name))
    if profile is None:
        return True, None
    bound = mb.for_upload(profile, files, name)
    if not _sources_given(bound, name):
        return True, None
    st.caption(tr("upload.map_preview", name=md(profile.name), file=md(name)))
    for source, file in bound.used.items():
        path = profile.sources[source].file
        st.caption(tr("upload.map_source_used", source=md(source), path=md(path), file=md(file)))
    return True, bound.mapping


def _sources_given(bound: mb.Bound, name: str) -> bool:
    """Whether the upload gives the profile's further sources; if not, which file is missing (or
    that the file picked to map is one of them, not the export)."""
    if bound.itself is not None:
        st.warning(
            tr("upload.map_file_is_source", file=md(name), source=md(bound.itself)), icon=":material/swap_horiz:"
        )
        return False
    for source, path in bound.missing.items():
        st.warning(tr("upload.map_source_missing", source=md(source), path=md(path)), icon=":material/attach_file:")
    return not bound.missing


def _explain(foreign: Sequence[str], poor: Mapping[str, mb.PoorMatch]) -> None:
    """Why the mapping step opened: no table recognised in a file, or a file taken for a table it
    hardly fits (its headers happen to hold a few of ours); then the columns of such a file."""
    unknown = [f for f in foreign if f not in poor]
    if unknown:
        st.info(tr("upload.map_auto", files=md_join(unknown)), icon=":material/swap_horiz:")
    for m in poor.values():
        params = {
            "file": md(m.file),
            "table": tr(f"table.{m.table}"),
            "total": m.total,
            "known": len(m.known),
            "matched": md_join(m.known),
        }
        if m.missing:
            missing = ", ".join(tr(f"col.{m.table}.{f}") for f in m.missing)
            st.info(tr("upload.map_poor_missing", missing=missing, **params), icon=":material/swap_horiz:")
        else:
            st.info(tr("upload.map_poor_few", **params), icon=":material/swap_horiz:")
        if m.unknown:
            shown = md_join(m.unknown[:COLUMNS_LISTED]) + (" …" if len(m.unknown) > COLUMNS_LISTED else "")
            st.caption(tr("upload.map_other_columns", count=len(m.unknown), columns=shown))


# --------------------------------------------------------------------------------------------
# A saved profile


def _saved() -> tuple[bool, Profile | None]:
    """Whether a shipped or saved profile is picked (else one is built below), and the profile if
    it reads."""
    with data.read() as con:
        entries = {e.stem: e for e in profiles.listing(con)}
    if st.session_state.get(K_PROFILE) not in (None, *entries):
        st.session_state.pop(K_PROFILE, None)
    options: list[str | None] = [None, *entries]

    def title(stem: str | None) -> str:
        if stem is None:
            return tr("upload.map_new")
        e = entries[stem]
        if e.shipped:
            return tr("upload.map_shipped", name=stem)
        return tr("upload.map_saved_by", name=stem, user=e.saved_by)

    pick = st.selectbox(
        tr("upload.map_profile"),
        options,
        format_func=labelled(options, title),
        key=K_PROFILE,
        help=tr("upload.map_profile_help"),
    )
    if pick is None:
        return False, None
    try:
        with data.read() as con:
            profile = profiles.load(con, pick)
    except ReadError as exc:
        st.warning(exc.issue().message(lang()), icon=":material/error:")
        return True, None
    if profile.description:
        st.caption(md(profile.description))
    with st.expander(tr("upload.map_toml"), icon=":material/code:"):
        st.code(profile.to_toml(), language="toml")
    return True, profile


# --------------------------------------------------------------------------------------------
# Building a profile


def _grids(loaded: Loaded) -> list[Grid]:
    """The file's sheets, read once per file content (kept for the last two files), in the
    reader's child process under the import limits."""
    memo: dict[str, list[Grid]] = st.session_state.setdefault(K_GRIDS, {})
    digest = hashlib.sha256(loaded.data).hexdigest()
    if digest not in memo:
        grids = sandbox.run(read_grids, loaded, file=loaded.name, limits=import_limits(data.live_cursor()))
        while len(memo) >= 2:
            memo.pop(next(iter(memo)))
        memo[digest] = grids
    return memo[digest]


def _keep_valid(key: str, options: Sequence[object]) -> None:
    """Forget a choice that the new options no longer hold (another sheet, another header row)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def _built(loaded: Loaded, actor: Actor, hint: mb.PoorMatch | None = None) -> Profile | None:
    """The profile the user builds; ``hint`` (the table the file was taken for) picks the sheet
    and the target table to start from."""
    try:
        grids = _grids(loaded)
    except ReadError as exc:
        st.warning(exc.issue().message(lang()), icon=":material/error:")
        return None
    filled = [g for g in grids if any(str(c).strip() for r in g.rows for c in r if c is not None)] or grids
    if not filled:
        st.warning(tr("upload.map_no_headers"), icon=":material/error:")
        return None
    name = st.text_input(tr("upload.map_name"), value=Path(loaded.name).stem, key="upload_map_name", max_chars=80)
    places = [g.place for g in filled]
    biggest = max(range(len(filled)), key=lambda i: len(filled[i].rows))  # the data, not a cover sheet
    if hint is not None and hint.place in places:
        biggest = places.index(hint.place)
    c1, c2, c3, c4 = st.columns(4)
    _keep_valid("upload_map_sheet", places)
    place = c1.selectbox(
        tr("upload.map_sheet"), places, index=biggest, key="upload_map_sheet", disabled=len(places) == 1
    )
    grid = filled[places.index(place)]
    guess = mb.guess_header_row(grid)
    rows: list[int | str] = ["auto", *range(1, min(len(grid.rows), HEADER_SCAN_ROWS) + 1)]
    _keep_valid("upload_map_header", rows)
    header = c2.selectbox(
        tr("upload.map_header"),
        rows,
        format_func=labelled(rows, lambda r: tr("upload.map_header_auto", row=guess + 1) if r == "auto" else str(r)),
        key="upload_map_header",
    )
    orders = ["day_first", "month_first"]
    dates = c3.radio(
        tr("upload.map_dates"),
        orders,
        format_func=labelled(orders, lambda d: tr(f"upload.dates.{d}")),
        key="upload_map_dates",
    )
    separators = [",", "."]
    decimal = c4.radio(
        tr("upload.map_decimal"),
        separators,
        format_func=labelled(separators, lambda d: tr("upload.decimal.comma" if d == "," else "upload.decimal.point")),
        key="upload_map_decimal",
    )
    header_idx = guess if header == "auto" else int(header) - 1
    heads = mb.headers(grid, header_idx)
    if not heads:
        st.warning(tr("upload.map_no_headers"), icon=":material/error:")
        return None
    table = st.selectbox(
        tr("upload.map_table"),
        TABLES,
        index=TABLES.index(hint.table) if hint is not None else 0,
        format_func=labelled(TABLES, lambda t: tr(f"table.{t}")),
        key="upload_map_table",
    )
    columns, constants, values = _fields(table, grid, header_idx, heads)
    missing = mb.missing_required(table, columns, constants)
    if missing:
        labels = ", ".join(tr(f"col.{table}.{f}") for f in missing)
        st.info(tr("upload.map_required_missing", fields=labels), icon=":material/info:")
        return None
    try:
        profile = mb.build_profile(
            name,
            table=table,
            columns=columns,
            sheet=grid.sheet,
            header_row="auto" if header == "auto" else int(header),
            dates=cast(Dates, dates),
            decimal=cast(Decimal, decimal),
            constants=constants,
            values=values,
        )
    except ValidationError:
        st.warning(tr("upload.map_invalid"), icon=":material/error:")
        return None
    _save(profile, name, actor)
    return profile


def _fields(
    table: str, grid: Grid, header_idx: int, heads: list[str]
) -> tuple[dict[str, str | None], dict[str, Scalar | None], dict[str, dict[str, str | None]]]:
    """A source column or a constant for each field; value maps for the enum fields."""
    st.caption(tr("upload.map_fields_hint"))
    suggested = mb.suggest_columns(table, heads)
    options: list[str | None] = [None, *heads]
    samples = {h: ", ".join(mb.column_values(grid, header_idx, h, limit=2)[0])[:40] for h in heads}
    shown = labelled(options, lambda h: tr("upload.map_none") if h is None else f"{h} · {samples[h]}".rstrip(" ·"))
    left, right = st.columns([3, 2])
    left.markdown(f"**{tr('upload.map_source_head')}**")
    right.markdown(f"**{tr('upload.map_constant_head')}**")
    columns: dict[str, str | None] = {}
    constants: dict[str, Scalar | None] = {}
    values: dict[str, dict[str, str | None]] = {}
    for f in table_specs()[table].fields:
        label = tr(f"col.{table}.{f.name}") + (" *" if f.required else "")
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        key = f"upload_map_src_{table}_{f.name}"
        _keep_valid(key, options)
        hint = suggested.get(f.name)
        columns[f.name] = left.selectbox(
            label,
            options,
            index=options.index(hint) if hint else 0,
            format_func=shown,
            key=key,
        )
        if columns[f.name] is None:
            with right:
                constants[f.name] = _constant(table, f)
        elif f.enum is not None:  # below the row, so the row keeps its alignment
            with st.columns([3, 2])[1]:
                values[f.name] = _value_map(table, f, grid, header_idx, str(columns[f.name]))
    return columns, constants, values


def _constant(table: str, f: FieldSpec) -> Scalar | None:
    key = f"upload_map_const_{table}_{f.name}"
    label = tr("upload.map_constant", field=tr(f"col.{table}.{f.name}"))
    if f.enum is not None:
        section = ENUM_CATALOG[f.enum]
        members: list[str | None] = [None, *[m.value for m in f.enum]]
        return st.selectbox(
            label,
            members,
            format_func=labelled(
                members, lambda v: tr("upload.map_no_constant") if v is None else tr(f"enum.{section}.{v}")
            ),
            key=key,
            label_visibility="collapsed",
        )
    text = st.text_input(
        label, key=key, placeholder=tr("upload.map_constant_placeholder"), label_visibility="collapsed"
    )
    return text.strip() or None


def _value_map(table: str, f: FieldSpec, grid: Grid, header_idx: int, source: str) -> dict[str, str | None]:
    """For each value of the source column the field cannot read: which of ours it means."""
    assert f.enum is not None
    seen, more = mb.column_values(grid, header_idx, source)
    unknown = mb.unreadable_values(table, f.name, seen)
    if not unknown:
        return {}
    section = ENUM_CATALOG[f.enum]
    members: list[str | None] = [None, *[m.value for m in f.enum]]
    out: dict[str, str | None] = {}
    shown = labelled(members, lambda v: tr("upload.map_none") if v is None else tr(f"enum.{section}.{v}"))
    with st.expander(tr("upload.map_values", count=len(unknown)), icon=":material/translate:"):
        st.caption(tr("upload.map_values_hint"))
        for value in unknown:
            digest = hashlib.sha256(value.encode()).hexdigest()[:10]
            out[value] = st.selectbox(
                value,
                members,
                format_func=shown,
                key=f"upload_map_val_{table}_{f.name}_{digest}",
            )
        if more:
            st.caption(tr("upload.map_values_more", count=mb.MAX_DISTINCT))
    return out


def _save(profile: Profile, name: str, actor: Actor) -> None:
    """The profile as TOML: shown, downloadable, and kept in the store for later uploads (by those
    who may)."""
    with st.expander(tr("upload.map_toml"), icon=":material/code:"):
        st.code(profile.to_toml(), language="toml")
    c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="center")
    c1.download_button(
        tr("upload.map_download"),
        data=profile.to_toml().encode("utf-8"),
        file_name=f"{mb.profile_stem(name)}.toml",
        mime="application/toml",
        key="upload_map_download",
        on_click="ignore",
        icon=":material/download:",
    )
    if not actor.can(Right.PROFILES):
        c3.caption(tr("upload.map_save_not_allowed"))
        return
    overwrite = c3.checkbox(tr("upload.map_overwrite"), key="upload_map_overwrite")
    if not c2.button(tr("upload.map_save"), key="upload_map_save", icon=":material/save:"):
        return
    try:
        with data.write() as con:
            stem = profiles.save(con, actor, profile, name, overwrite=overwrite)
    except profiles.ProfileError as exc:
        st.warning(tr(f"profiles.{exc.code}", stem=md(exc.stem)), icon=":material/warning:")
    except AccessDenied as exc:
        st.warning(denied(exc), icon=":material/block:")
    except store.StoreBusy:
        st.warning(tr("upload.store_busy", wait=int(store.busy_wait())), icon=":material/hourglass:")
    else:
        st.success(tr("upload.map_saved", path=md(stem)), icon=":material/check_circle:")
