"""The KZ working-day calendar and the settings every rule reads (DOMAIN §4)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from loaders import store
from metrics import settings as settings_mod
from metrics.calendar import calendar, for_settings, holiday_name, holidays_between
from metrics.settings import SettingError
from tests.builders import D, as_user


def test_public_holidays_and_transferred_days() -> None:
    cal = calendar()
    # 2025: Friday 3 January off, Sunday 5 January a working day (the transfer)
    assert cal.is_working([D(2025, 1, 3), D(2025, 1, 5), D(2025, 1, 6)]).tolist() == [False, True, True]
    # 2026: Monday 26 October off (Republic Day falls on Sunday the 25th)
    assert cal.is_working([D(2026, 10, 23), D(2026, 10, 26), D(2026, 10, 27)]).tolist() == [True, False, True]
    # Nauryz 2026: 21–25 March
    assert not cal.is_working([D(2026, 3, d) for d in range(21, 26)]).any()


def test_counting() -> None:
    cal = calendar()
    # working days strictly after Friday 23 Oct up to Wednesday 28 Oct 2026: 27 and 28
    assert cal.between(D(2026, 10, 23), D(2026, 10, 28)).tolist() == [2.0]
    assert cal.count(D(2026, 10, 26), D(2026, 11, 1)) == 4  # the week of the holiday
    assert str(cal.nth_after(D(2026, 10, 23), 1)[0]) == "2026-10-27"
    # the 15th working day after Monday 1 June 2026 is 22 June
    assert str(cal.nth_after([D(2026, 6, 1)], 15)[0]) == "2026-06-22"
    assert np.isnan(cal.between([None], [D(2026, 1, 1)])[0])  # a missing date: NaN


def test_holiday_names_in_three_languages() -> None:
    day = D(2026, 12, 16)
    assert holiday_name(day, "kk") == "Тәуелсіздік күні"
    assert holiday_name(day, "en") == "Independence Day"
    assert holiday_name(day, "ru") == "День Независимости"
    assert holiday_name(D(2026, 10, 26), "ru") == "День Республики (перенесенный выходной)"
    assert holiday_name(D(2025, 1, 3), "ru") == "Выходной день (перенесен с 05.01.2025)"
    assert holiday_name(D(2026, 10, 27), "ru") is None
    names = [n for _, n in holidays_between(D(2026, 3, 1), D(2026, 3, 31), "ru")]
    assert "Наурыз мейрамы" in names and all(not n.isascii() for n in names)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return store.connect(tmp_path / "s.duckdb")


def test_settings_default_change_reset(con: duckdb.DuckDBPyConnection) -> None:
    assert settings_mod.load(con).risk_review_days == 92
    version = store.data_version(con)
    settings_mod.set_value(con, "risk_review_days", 100, as_user("admin"))
    assert settings_mod.load(con).risk_review_days == 100
    assert store.data_version(con) > version  # cached metrics are invalidated
    table = settings_mod.table(con).set_index("key")
    assert table.loc["risk_review_days", "value"] == 100 and table.loc["risk_review_days", "default"] == 92
    assert table.loc["risk_review_days", "updated_by"] == "admin"
    settings_mod.reset(con, as_user("admin"), "risk_review_days")
    assert settings_mod.load(con).risk_review_days == 92


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("nope", 1, "setting_unknown"),
        ("risk_review_days", 0, "setting_out_of_range"),
        ("risk_review_days", 9.5, "setting_not_integer"),
        ("kpi_at_risk_ratio", 0.95, "setting_order"),
        ("norm_three_min_pct", 60, "setting_order"),
    ],
)
def test_settings_refused(con: duckdb.DuckDBPyConnection, key: str, value: float, code: str) -> None:
    with pytest.raises(SettingError) as err:
        settings_mod.set_value(con, key, value, as_user("admin"))
    assert err.value.code == code


def test_extra_days_in_the_calendar(con: duckdb.DuckDBPyConnection) -> None:
    settings_mod.set_calendar_day(con, D(2026, 10, 27), "day_off", "Government transfer", as_user("admin"))
    settings_mod.set_calendar_day(con, D(2026, 10, 31), "working_day", "Working Saturday", as_user("admin"))
    cal = for_settings(settings_mod.load(con))
    assert cal.is_working([D(2026, 10, 27), D(2026, 10, 31)]).tolist() == [False, True]
    assert cal.count(D(2026, 10, 26), D(2026, 11, 1)) == 4  # 28, 29, 30, 31
    settings_mod.remove_calendar_day(con, D(2026, 10, 27), as_user("admin"))
    assert for_settings(settings_mod.load(con)).is_working([D(2026, 10, 27)]).tolist() == [True]
    settings_mod.reset_calendar(con, as_user("admin"))
    assert settings_mod.calendar_days(con).empty
