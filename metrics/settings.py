"""Every threshold of DOMAIN §4, and the import limits, with their defaults, stored in the
database, changeable and resettable.

No threshold is a literal inside a formula: metrics read ``Settings``. The office head or a
coordinator (``Right.SETTINGS``) changes values with ``set_values`` (checked against their allowed
ranges, saved together) and goes back with ``reset``; every change is written to the audit log
with its old and new value. Extra days off and extra working days for the calendar live here too.
The import limits (``loaders.limits``) share the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Final, Literal

import duckdb
import pandas as pd

from loaders import audit
from loaders.access import Actor, Right
from loaders.limits import SETTING_PREFIX, Limits
from loaders.store import bump_data_version, transaction


@dataclass(frozen=True)
class Setting:
    key: str
    default: float
    low: float
    high: float
    integer: bool
    source: str  # the paragraph the default comes from


SPECS: Final[tuple[Setting, ...]] = (
    # KPI status bands (DOMAIN §4.1)
    Setting("kpi_on_track_ratio", 0.9, 0.0, 1.0, False, "DOMAIN §4.1"),
    Setting("kpi_at_risk_ratio", 0.7, 0.0, 1.0, False, "DOMAIN §4.1"),
    # risk priority bands and quarterly reassessment (Reg §42.2, §42.4)
    Setting("risk_high_min_score", 15, 1, 25, True, "DOMAIN §4.2; Reg §42.2"),
    Setting("risk_medium_min_score", 5, 1, 25, True, "DOMAIN §4.2; Reg §42.2"),
    Setting("risk_review_days", 92, 1, 366, True, "Reg §42.4"),
    # meeting norms by release share (Reg §33)
    Setting("norm_hours_min_pct", 50, 0, 100, False, "Reg §33"),
    Setting("norm_three_min_pct", 30, 0, 100, False, "Reg §33"),
    Setting("norm_two_min_pct", 10, 0, 100, False, "Reg §33"),
    Setting("norm_hours_per_day", 2, 0, 24, False, "Reg §33"),
    Setting("norm_three_meetings", 3, 0, 50, True, "Reg §33"),
    Setting("norm_two_meetings", 2, 0, 50, True, "Reg §33"),
    Setting("week_hours", 40, 1, 80, False, "DOMAIN §4.3"),
    Setting("meeting_window_weeks", 13, 1, 53, True, "DOMAIN §4.3"),
    # meeting limits (Reg §34–37)
    Setting("daily_limit_min", 15, 1, 600, False, "Reg §37"),
    Setting("sprint_planning_limit_min", 480, 1, 1440, False, "Reg §36"),
    Setting("sprint_planning_weekday", 2, 1, 7, True, "Reg §36 (ISO weekday, 2 = Tuesday)"),
    Setting("report_limit_min_per_team", 20, 1, 600, False, "Reg §34–35"),
    # deadlines in working days (Reg §49; DT §24)
    Setting("evaluation_due_working_days", 15, 1, 100, True, "Reg §49"),
    Setting("change_due_working_days", 10, 1, 100, True, "DOMAIN §4.4; DT §24"),
    # RAG (DOMAIN §4.6)
    Setting("rag_red_activity_overdue_days", 30, 0, 365, True, "DOMAIN §4.6"),
    # quarterly meeting (Reg §34)
    Setting("agenda_minutes_per_team", 20, 1, 120, True, "Reg §34"),
    # "since the last review": a project's KPI index move worth listing, percentage points (Reg §34–35, §45)
    Setting("digest_kpi_threshold_pp", 5, 0, 100, False, "Reg §34–35, §45"),
    # data freshness: risks and activities updated at least once a quarter (Reg §8, §42.4, §45)
    Setting("data_stale_days", 92, 1, 366, True, "Reg §8, §45"),
)
_DEFAULT_LIMITS: Final = Limits()
#: the import limits (``loaders.limits.Limits``): what one uploaded file may take
LIMIT_SPECS: Final[tuple[Setting, ...]] = (
    Setting(f"{SETTING_PREFIX}file_mb", _DEFAULT_LIMITS.file_mb, 1, 1024, False, "import limit"),
    Setting(f"{SETTING_PREFIX}rows", _DEFAULT_LIMITS.rows, 1_000, 5_000_000, True, "import limit"),
    Setting(f"{SETTING_PREFIX}cells", _DEFAULT_LIMITS.cells, 10_000, 200_000_000, True, "import limit"),
    Setting(f"{SETTING_PREFIX}cell_chars", _DEFAULT_LIMITS.cell_chars, 100, 1_000_000, True, "import limit"),
    Setting(f"{SETTING_PREFIX}unzipped_mb", _DEFAULT_LIMITS.unzipped_mb, 10, 20_000, False, "import limit"),
    Setting(f"{SETTING_PREFIX}memory_mb", _DEFAULT_LIMITS.memory_mb, 256, 32_768, True, "import limit"),
    Setting(f"{SETTING_PREFIX}cpu_seconds", _DEFAULT_LIMITS.cpu_seconds, 5, 3_600, True, "import limit"),
    Setting(f"{SETTING_PREFIX}output_mb", _DEFAULT_LIMITS.output_mb, 16, 32_768, True, "import limit"),
)
ALL_SPECS: Final = (*SPECS, *LIMIT_SPECS)
SPEC_BY_KEY: Final = {s.key: s for s in ALL_SPECS}


@dataclass(frozen=True)
class Settings:
    kpi_on_track_ratio: float = 0.9
    kpi_at_risk_ratio: float = 0.7
    risk_high_min_score: float = 15
    risk_medium_min_score: float = 5
    risk_review_days: float = 92
    norm_hours_min_pct: float = 50
    norm_three_min_pct: float = 30
    norm_two_min_pct: float = 10
    norm_hours_per_day: float = 2
    norm_three_meetings: float = 3
    norm_two_meetings: float = 2
    week_hours: float = 40
    meeting_window_weeks: float = 13
    daily_limit_min: float = 15
    sprint_planning_limit_min: float = 480
    sprint_planning_weekday: float = 2
    report_limit_min_per_team: float = 20
    evaluation_due_working_days: float = 15
    change_due_working_days: float = 10
    rag_red_activity_overdue_days: float = 30
    agenda_minutes_per_team: float = 20
    digest_kpi_threshold_pp: float = 5
    data_stale_days: float = 92
    extra_days_off: tuple[dt.date, ...] = ()
    extra_working_days: tuple[dt.date, ...] = ()

    def int(self, key: str) -> int:
        return int(getattr(self, key))


assert {f.name for f in fields(Settings)} - {"extra_days_off", "extra_working_days"} == {s.key for s in SPECS}
assert all(getattr(Settings(), s.key) == s.default for s in SPECS)


class SettingError(ValueError):
    def __init__(self, code: str, key: str, value: object = None) -> None:
        self.code = code
        self.key = key
        self.value = value
        super().__init__(f"{code}: {key}={value!r}")


def load(con: duckdb.DuckDBPyConnection) -> Settings:
    """The settings in force: stored values over the defaults."""
    stored = dict(con.execute("SELECT key, value FROM settings").fetchall())
    values = {s.key: float(stored.get(s.key, s.default)) for s in SPECS}
    days = con.execute("SELECT day, kind FROM calendar_days ORDER BY day").fetchall()
    off = tuple(d for d, k in days if k == "day_off")
    work = tuple(d for d, k in days if k == "working_day")
    return Settings(**values, extra_days_off=off, extra_working_days=work)


def table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every setting with its default, current value, range and who changed it last."""
    stored = {r[0]: r[1:] for r in con.execute("SELECT key, value, updated_at, updated_by FROM settings").fetchall()}
    rows = []
    for s in ALL_SPECS:
        value, at, by = stored.get(s.key, (s.default, None, None))
        rows.append(
            {
                "key": s.key,
                "value": float(value),
                "default": s.default,
                "low": s.low,
                "high": s.high,
                "integer": s.integer,
                "source": s.source,
                "updated_at": at,
                "updated_by": by,
            }
        )
    return pd.DataFrame(rows)


def set_value(con: duckdb.DuckDBPyConnection, key: str, value: float, actor: Actor) -> None:
    """Change one setting (see ``set_values``)."""
    set_values(con, {key: value}, actor)


def set_values(con: duckdb.DuckDBPyConnection, values: dict[str, float], actor: Actor) -> list[str]:
    """Change several settings at once, all or none: each is checked against its range, the bands
    against each other; the ones that really change are written, with an audit row each (old →
    new). Returns the keys that changed."""
    actor.require(Right.SETTINGS)
    for key, value in values.items():
        spec = SPEC_BY_KEY.get(key)
        if spec is None:
            raise SettingError("setting_unknown", key, value)
        if not spec.low <= value <= spec.high:
            raise SettingError("setting_out_of_range", key, value)
        if spec.integer and float(value) != int(value):
            raise SettingError("setting_not_integer", key, value)
    current = values_now(con)
    candidate = {**current, **{k: float(v) for k, v in values.items()}}
    changed = [k for k, v in values.items() if float(v) != current[k]]
    for key in changed:  # the message names a value that was changed, not one that was kept
        _check_order(candidate, key, values[key])
    if not changed:
        return []
    now = dt.datetime.now()
    with transaction(con):
        for key in changed:
            con.execute(
                "INSERT OR REPLACE INTO settings VALUES (?, ?, ?, ?)", [key, float(values[key]), now, actor.label]
            )
            audit.record(con, actor, "setting", key, {"old": current[key], "new": float(values[key])}, at=now)
        bump_data_version(con)
    return changed


def values_now(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Every setting's value in force (stored, else its default)."""
    stored = dict(con.execute("SELECT key, value FROM settings").fetchall())
    return {s.key: float(stored.get(s.key, s.default)) for s in ALL_SPECS}


def _check_order(v: dict[str, float], key: str, value: float) -> None:
    """Bands must stay ordered: at-risk below on-track, medium below high, 10 % < 30 % < 50 %."""
    if not v["kpi_at_risk_ratio"] <= v["kpi_on_track_ratio"]:
        raise SettingError("setting_order", key, value)
    if not v["risk_medium_min_score"] < v["risk_high_min_score"]:
        raise SettingError("setting_order", key, value)
    if not v["norm_two_min_pct"] < v["norm_three_min_pct"] < v["norm_hours_min_pct"]:
        raise SettingError("setting_order", key, value)


def reset(con: duckdb.DuckDBPyConnection, actor: Actor, key: str | None = None, *, keys: tuple[str, ...] = ()) -> None:
    """Back to the default for one key, for ``keys``, or for every setting when neither is given
    (audited with the values it replaced)."""
    actor.require(Right.SETTINGS)
    wanted = (key, *keys) if key is not None else keys
    for k in wanted:
        if k not in SPEC_BY_KEY:
            raise SettingError("setting_unknown", k)
    stored = {str(k): float(v) for k, v in con.execute("SELECT key, value FROM settings").fetchall()}
    dropped = {k: v for k, v in stored.items() if not wanted or k in wanted}
    if not dropped:
        return
    with transaction(con):
        con.execute("DELETE FROM settings WHERE list_contains(?, key)", [list(dropped)])
        audit.record(con, actor, "setting_reset", ",".join(wanted) or "*", {"old": dropped})
        bump_data_version(con)


DayKind = Literal["day_off", "working_day"]


def set_calendar_day(con: duckdb.DuckDBPyConnection, day: dt.date, kind: DayKind, note: str, actor: Actor) -> None:
    """Declare an extra day off or an extra working day (a government transfer the package lacks)."""
    actor.require(Right.SETTINGS)
    if kind not in ("day_off", "working_day"):
        raise SettingError("calendar_kind", "calendar_days", kind)
    old = con.execute("SELECT kind FROM calendar_days WHERE day = ?", [day]).fetchall()
    now = dt.datetime.now()
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO calendar_days VALUES (?, ?, ?, ?, ?)", [day, kind, note, now, actor.label])
        audit.record(
            con, actor, "calendar_set", day.isoformat(), {"kind": kind, "note": note, "old": old[0][0] if old else None}
        )
        bump_data_version(con)


def remove_calendar_day(con: duckdb.DuckDBPyConnection, day: dt.date, actor: Actor) -> None:
    actor.require(Right.SETTINGS)
    old = con.execute("SELECT kind FROM calendar_days WHERE day = ?", [day]).fetchall()
    if not old:
        return
    with transaction(con):
        con.execute("DELETE FROM calendar_days WHERE day = ?", [day])
        audit.record(con, actor, "calendar_remove", day.isoformat(), {"old": old[0][0]})
        bump_data_version(con)


def calendar_days(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT day, kind, note, updated_at, updated_by FROM calendar_days ORDER BY day").df()


def reset_calendar(con: duckdb.DuckDBPyConnection, actor: Actor) -> None:
    actor.require(Right.SETTINGS)
    days = [(d.isoformat(), k) for d, k in con.execute("SELECT day, kind FROM calendar_days ORDER BY day").fetchall()]
    if not days:
        return
    with transaction(con):
        con.execute("DELETE FROM calendar_days")
        audit.record(con, actor, "calendar_reset", "*", {"old": dict(days)})
        bump_data_version(con)
