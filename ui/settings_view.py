"""Rendering helpers of the settings page: the thresholds grouped by theme, each theme a form
saved by its button (audited, old → new); the import limits; the extra days off / working days;
the public holidays of a year. Only the office head and coordinators change anything
(``Right.SETTINGS``); everyone else sees the values in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

import duckdb
import pandas as pd
import streamlit as st

from i18n import numbers
from loaders import store
from loaders.access import AccessDenied, Actor, Right
from metrics import calendar as kz_calendar
from metrics import settings as settings_mod
from metrics.settings import SPEC_BY_KEY, SettingError

from . import data, widgets
from .safe import md
from .session import lang, tr
from .tables import Col, table
from .upload_view import denied

#: Every threshold of ``metrics.settings`` under the theme it belongs to (a test checks none is missing).
THEMES: Final[dict[str, tuple[str, ...]]] = {
    "kpi": ("kpi_on_track_ratio", "kpi_at_risk_ratio"),
    "risks": ("risk_high_min_score", "risk_medium_min_score", "risk_review_days"),
    "norms": (
        "norm_hours_min_pct",
        "norm_three_min_pct",
        "norm_two_min_pct",
        "norm_hours_per_day",
        "norm_three_meetings",
        "norm_two_meetings",
        "week_hours",
        "meeting_window_weeks",
    ),
    "limits": (
        "daily_limit_min",
        "sprint_planning_limit_min",
        "sprint_planning_weekday",
        "report_limit_min_per_team",
    ),
    "deadlines": ("evaluation_due_working_days", "change_due_working_days"),
    "rag": ("rag_red_activity_overdue_days",),
    "agenda": ("agenda_minutes_per_team", "digest_kpi_threshold_pp"),
    "freshness": ("data_stale_days",),
    "import": tuple(spec.key for spec in settings_mod.LIMIT_SPECS),
}
WEEKDAY_KEYS: Final = ("sprint_planning_weekday",)

KEY_VERSION: Final = "settings_version"
KEY_FLASH: Final = "settings_flash"
KEY_CAL_DAY: Final = "settings_cal_day"
KEY_CAL_KIND: Final = "settings_cal_kind"
KEY_CAL_NOTE: Final = "settings_cal_note"
KEY_CAL_PICK: Final = "settings_cal_pick"
KEY_CAL_YEAR: Final = "settings_cal_year"


def widget_key(key: str) -> str:
    return f"settings_{key}"


def label(key: str) -> str:
    return tr(f"settings.label.{key}")


def number(value: float, integer: bool) -> str:
    """A threshold as people write it, in the page's language: 15, 0,9, 12,5 (0.9, 12.5 in English)."""
    return numbers.number(value, lang()) if integer else numbers.plain(value, lang())


def _value(key: str, value: float) -> int | str:
    """What the input of ``key`` holds: a whole number, or (for a threshold that may have a
    fraction) its text in the page's language, typed with a comma or a point."""
    spec = SPEC_BY_KEY[key]
    return int(value) if spec.integer else numbers.plain(float(value), lang())


def _flash(where: str, kind: str, text: str) -> None:
    st.session_state[KEY_FLASH] = (where, kind, text)


def flash(where: str) -> None:
    """The message of the last change, shown where the change was made."""
    message = st.session_state.get(KEY_FLASH)
    if not message or message[0] != where:
        return
    st.session_state.pop(KEY_FLASH)
    _, kind, text = message
    if kind == "error":
        st.error(text, icon=":material/error:")
    else:
        st.success(text, icon=":material/check:")


def _write(where: str, change: Callable[[duckdb.DuckDBPyConnection], object]) -> bool:
    """One change to the store; a refusal becomes the message shown where it was asked for."""
    try:
        with data.write() as con:
            change(con)
    except SettingError as err:
        _flash(where, "error", error_text(err))
    except AccessDenied as exc:
        _flash(where, "error", denied(exc))
    except store.StoreBusy:
        _flash(where, "error", tr("upload.store_busy", wait=int(store.busy_wait())))
    else:
        return True
    return False


def error_text(err: SettingError) -> str:
    """A refused change in the user's words."""
    spec = SPEC_BY_KEY.get(err.key)
    if spec is None:
        return tr(f"settings.error.{err.code}", name=err.key, label=err.key, value=err.value, low="", high="")
    value = err.value if not isinstance(err.value, int | float) else number(float(err.value), spec.integer)
    return tr(
        f"settings.error.{err.code}",
        name=err.key,
        label=label(err.key),
        value=value,
        low=number(spec.low, spec.integer),
        high=number(spec.high, spec.integer),
    )


# --------------------------------------------------------------------------------------------
# Thresholds


def sync_widgets(thresholds: pd.DataFrame, version: int) -> None:
    """Put the stored values into the inputs on first show, whenever the data changed and when
    the language changed (a fraction is written with the language's decimal mark)."""
    stamp = (version, lang())
    fresh = st.session_state.get(KEY_VERSION) != stamp
    for key, value in zip(thresholds["key"], thresholds["value"], strict=True):
        if fresh or widget_key(key) not in st.session_state:
            st.session_state[widget_key(key)] = _value(key, value)
    st.session_state[KEY_VERSION] = stamp


def _typed(key: str) -> float | None:
    """The number in the input of ``key`` (None when the text typed is no number)."""
    typed = st.session_state[widget_key(key)]
    if isinstance(typed, str):
        return numbers.parse(typed, lang())
    return float(typed)


def _save_theme(theme: str, actor: Actor) -> None:
    """Form callback: store the theme's inputs together (what did not change is not written)."""
    values: dict[str, float] = {}
    for key in THEMES[theme]:
        value = _typed(key)
        if value is None:
            typed = str(st.session_state[widget_key(key)])
            _flash(theme, "error", tr("settings.error.setting_not_number", label=label(key), value=md(typed)))
            return
        values[key] = value
    changed: list[str] = []

    def save(con: duckdb.DuckDBPyConnection) -> None:
        changed.extend(settings_mod.set_values(con, values, actor))

    if _write(theme, save):
        text = tr("settings.saved_n", count=len(changed)) if changed else tr("settings.nothing_changed")
        _flash(theme, "success", text)
    st.session_state.pop(KEY_VERSION, None)  # the inputs show what is stored now


def _reset(keys: tuple[str, ...], where: str, actor: Actor) -> None:
    if _write(where, lambda con: settings_mod.reset(con, actor, keys=keys)):
        _flash(where, "success", tr("settings.reset_all_done" if where == "all" else "settings.reset_theme_done"))
    st.session_state.pop(KEY_VERSION, None)


def _details(row: pd.Series) -> str:
    spec = SPEC_BY_KEY[row["key"]]
    parts = [tr("settings.default", value=number(spec.default, spec.integer))]
    if row["key"] in WEEKDAY_KEYS:
        parts.append(tr(f"settings.weekday.{int(row['value'])}"))
    if row["updated_by"] is not None and row["updated_by"] == row["updated_by"]:
        parts.append(
            tr("settings.changed_by", by=md(row["updated_by"]), at=f"{pd.Timestamp(row['updated_at']):%d.%m.%Y %H:%M}")
        )
    else:
        parts.append(tr("settings.is_default") if row["value"] == spec.default else "")
    return " · ".join(p for p in parts if p)


def setting_input(row: pd.Series, allowed: bool) -> None:
    """One threshold's input (inside its theme's form), its default and its last change."""
    key = str(row["key"])
    spec = SPEC_BY_KEY[key]
    span = tr("settings.range", low=number(spec.low, spec.integer), high=number(spec.high, spec.integer))
    help_text = f"{tr(f'settings.help.{key}')}\n\n{span}"
    field, details = st.columns([4, 5], vertical_alignment="bottom")
    if spec.integer:
        field.number_input(
            label(key),
            min_value=int(spec.low),
            max_value=int(spec.high),
            step=1,
            format="%d",
            key=widget_key(key),
            help=help_text,
            disabled=not allowed,
        )
    else:  # a text box: a number input would write its fraction with a point in every language
        field.text_input(label(key), key=widget_key(key), help=help_text, disabled=not allowed, max_chars=24)
    details.caption(_details(row))


def theme_form(theme: str, rows: pd.DataFrame, actor: Actor) -> None:
    """A theme's thresholds, saved together by the form's button; its reset to the defaults."""
    allowed = actor.can(Right.SETTINGS)
    with st.form(f"settings_form_{theme}", border=False, enter_to_submit=False):
        for _, row in rows.iterrows():
            setting_input(row, allowed)
        st.form_submit_button(
            tr("settings.save"),
            key=f"settings_save_{theme}",
            type="primary",
            icon=":material/save:",
            disabled=not allowed,
            on_click=_save_theme,
            args=(theme, actor),
        )
    if not allowed:
        st.caption(tr("settings.read_only"))
    elif bool((rows["value"] != rows["default"]).any()):
        with st.popover(tr("settings.reset_theme"), icon=":material/undo:"):
            st.caption(tr("settings.reset_theme_confirm"))
            st.button(
                tr("settings.reset_all_yes"),
                key=f"settings_reset_{theme}",
                on_click=_reset,
                args=(THEMES[theme], theme, actor),
                type="primary",
            )
    flash(theme)


def all_thresholds(thresholds: pd.DataFrame, actor: Actor) -> None:
    """Every threshold in one downloadable table, and resetting them all."""
    shown = thresholds.assign(label=thresholds["key"].map(label))
    table(
        shown,
        [
            Col("label", "settings.col.label"),
            Col("key", "settings.col.key"),
            Col("value", "settings.col.value", "number"),
            Col("default", "settings.col.default", "number"),
            Col("low", "settings.col.low", "number"),
            Col("high", "settings.col.high", "number"),
            Col("updated_at", "settings.col.updated_at", "date"),
            Col("updated_by", "settings.col.updated_by"),
        ],
        key="settings_all",
        file_stem=tr("settings.file.thresholds"),
        title=tr("settings.all_title"),
    )
    if actor.can(Right.SETTINGS):
        with st.popover(tr("settings.reset_all"), icon=":material/restart_alt:"):
            st.caption(tr("settings.reset_all_confirm"))
            st.button(
                tr("settings.reset_all_yes"),
                key="settings_reset_all",
                on_click=_reset,
                args=((), "all", actor),
                type="primary",
            )
    flash("all")


# --------------------------------------------------------------------------------------------
# Calendar


def _add_day(actor: Actor) -> None:
    day: dt.date = st.session_state[KEY_CAL_DAY]
    kind: settings_mod.DayKind = st.session_state[KEY_CAL_KIND]
    note = (st.session_state.get(KEY_CAL_NOTE) or "").strip()
    if _write("calendar", lambda con: settings_mod.set_calendar_day(con, day, kind, note, actor)):
        st.session_state[KEY_CAL_NOTE] = ""
        kind_text = tr(f"settings.day_kind.{kind}")
        _flash("calendar", "success", tr("settings.cal.added", day=f"{day:%d.%m.%Y}", kind=kind_text))


def _remove_day(actor: Actor) -> None:
    day = st.session_state.get(KEY_CAL_PICK)
    if day is None:
        return
    if _write("calendar", lambda con: settings_mod.remove_calendar_day(con, day, actor)):
        _flash("calendar", "success", tr("settings.cal.removed", day=f"{day:%d.%m.%Y}"))


def _reset_calendar(actor: Actor) -> None:
    if _write("calendar", lambda con: settings_mod.reset_calendar(con, actor)):
        _flash("calendar", "success", tr("settings.cal.reset_done"))


def calendar_days(days: pd.DataFrame, as_of: dt.date, actor: Actor) -> None:
    """The extra days off and working days: list; add, remove, reset (for those who may)."""
    st.markdown(tr("settings.cal.intro"))
    st.markdown(f"**{tr('settings.cal.title')}**")
    table(
        days,
        [
            Col("day", "settings.cal.day", "date"),
            Col("kind", "settings.cal.kind", "label", "settings.day_kind"),
            Col("note", "settings.cal.note"),
            Col("updated_at", "settings.col.updated_at", "date"),
            Col("updated_by", "settings.col.updated_by"),
        ],
        key="settings_calendar",
        file_stem=tr("settings.file.calendar"),
        title=tr("settings.cal.title"),
    )
    if not actor.can(Right.SETTINGS):
        st.caption(tr("settings.read_only"))
        return
    with st.form("settings_cal_form", border=True):
        day, kind, note = st.columns([2, 2, 3])
        day.date_input(tr("settings.cal.day"), value=as_of, key=KEY_CAL_DAY, format="DD.MM.YYYY")
        kinds = {k: tr(f"settings.day_kind.{k}") for k in ("day_off", "working_day")}
        kind.radio(tr("settings.cal.kind"), list(kinds), key=KEY_CAL_KIND, format_func=kinds.__getitem__)
        note.text_input(tr("settings.cal.note"), key=KEY_CAL_NOTE, placeholder=tr("settings.cal.note_hint"))
        st.form_submit_button(
            tr("settings.cal.add"), key="settings_cal_add", on_click=_add_day, args=(actor,), icon=":material/add:"
        )
    if not days.empty:
        pick, remove, reset = st.columns([3, 2, 2], vertical_alignment="bottom")
        # labels made now, in this run's language (a format function may be called outside the run)
        shown = {
            d.date(): f"{d:%d.%m.%Y} · {tr(f'settings.day_kind.{k}')}"
            for d, k in zip(pd.to_datetime(days["day"]), days["kind"], strict=True)
        }
        widgets.selectbox(pick, tr("settings.cal.pick"), list(shown), key=KEY_CAL_PICK, format_func=shown.__getitem__)
        remove.button(
            tr("settings.cal.remove"),
            key="settings_cal_remove",
            on_click=_remove_day,
            args=(actor,),
            icon=":material/delete:",
        )
        with reset.popover(tr("settings.cal.reset"), icon=":material/restart_alt:"):
            st.caption(tr("settings.cal.reset_confirm"))
            st.button(
                tr("settings.reset_all_yes"),
                key="settings_cal_reset",
                on_click=_reset_calendar,
                args=(actor,),
                type="primary",
            )
    flash("calendar")


def holidays_preview(days: pd.DataFrame, as_of: dt.date, lang: str) -> None:
    """The public holidays and transferred days off of a year in the user's language, with the
    extra days of the settings, and the working days the year has."""
    st.markdown(f"**{tr('settings.cal.holidays_title')}**")
    years = list(range(as_of.year - 1, as_of.year + 3))
    if st.session_state.get(KEY_CAL_YEAR) not in years:
        st.session_state[KEY_CAL_YEAR] = as_of.year
    year = int(st.selectbox(tr("settings.cal.year"), years, key=KEY_CAL_YEAR, width=200))
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = [(d, name, "holiday") for d, name in kz_calendar.holidays_between(start, end, lang)]
    for d, kind, note in zip(pd.to_datetime(days["day"]), days["kind"], days["note"], strict=True):
        if d.year == year:
            rows.append((d.date(), note or "", str(kind)))
    frame = pd.DataFrame(rows, columns=["day", "name", "kind"]).sort_values("day", kind="stable")
    frame["day"] = pd.to_datetime(frame["day"])
    frame["weekday"] = (frame["day"].dt.day_of_week + 1).astype(str)
    settings = settings_mod.load(data.live_cursor())
    working = kz_calendar.for_settings(settings).count(start, end)
    st.caption(tr("settings.cal.working_days", year=year, count=working))
    table(
        frame.reset_index(drop=True),
        [
            Col("day", "settings.cal.day", "date"),
            Col("weekday", "settings.cal.weekday", "label", "settings.weekday"),
            Col("name", "settings.cal.holiday"),
            Col("kind", "settings.cal.kind", "label", "settings.day_kind"),
        ],
        key="settings_holidays",
        file_stem=tr("settings.file.holidays", year=year),
        title=tr("settings.cal.holidays_title"),
    )
