"""The Republic of Kazakhstan working-day calendar (DOMAIN §4: "N working days" rules).

Public holidays and the government's transferred days off come from the ``holidays`` package
(country KZ), including weekend days made working days by a transfer; the settings add extra
days off and extra working days, which win over the package. Counting is vectorised: a working
day flag per calendar day and its running sum, so "working days after D up to E" is one
subtraction and "the Nth working day after D" one binary search.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import holidays
import numpy as np
import pandas as pd

FIRST_YEAR: Final = 2010
LAST_YEAR: Final = 2040

#: Russian names of the holidays (the package has Kazakh and English only).
RU_NAMES: Final[dict[str, str]] = {
    "New Year's Day": "Новый год",
    "Orthodox Christmas": "Православное Рождество",
    "International Women's Day": "Международный женский день",
    "Nowruz Holiday": "Наурыз мейрамы",
    "Kazakhstan's People Solidarity Holiday": "Праздник единства народа Казахстана",
    "Defender of the Fatherland Day": "День защитника Отечества",
    "Victory Day": "День Победы",
    "Eid al-Adha": "Курбан айт",
    "Capital Day": "День столицы",
    "Constitution Day": "День Конституции Республики Казахстан",
    "Republic Day": "День Республики",
    "Independence Day": "День Независимости",
    "First President Day": "День Первого Президента",
}
_RU_SUFFIX: Final = {"(observed)": "(перенесенный выходной)", "(estimated)": "(ожидается)"}
_SUBSTITUTED = re.compile(r"Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)")

Dates = pd.Series | pd.DatetimeIndex | np.ndarray | Sequence[dt.date | None]


def _days(values: Dates | dt.date) -> np.ndarray:
    """Any dates as numpy day numbers (NaT kept)."""
    if isinstance(values, dt.date):
        return np.array([np.datetime64(values, "D")])
    return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]")


@dataclass(frozen=True)
class Calendar:
    """Working days between ``first`` and ``last`` (whole years)."""

    first: np.datetime64
    days: np.ndarray  # datetime64[D], every calendar day
    working: np.ndarray  # bool per day
    cum: np.ndarray  # working days up to and including each day
    working_dates: np.ndarray  # datetime64[D] of the working days only
    table: pd.DataFrame  # day, working, cum: the same, for SQL (``Context.register_calendar``)

    def _index(self, values: Dates | dt.date) -> tuple[np.ndarray, np.ndarray]:
        d = _days(values)
        nat = np.isnat(d)
        idx = np.where(nat, 0, (d - self.first).astype("int64"))
        if (~nat).any() and (idx[~nat].min() < 0 or idx[~nat].max() >= len(self.days)):
            raise ValueError(f"date outside the calendar {FIRST_YEAR}–{LAST_YEAR}")
        return idx, nat

    def is_working(self, values: Dates | dt.date) -> np.ndarray:
        idx, nat = self._index(values)
        return np.where(nat, False, self.working[idx])

    def between(self, after: Dates | dt.date, until: Dates | dt.date) -> np.ndarray:
        """Working days strictly after ``after`` up to and including ``until`` (negative if reversed).

        NaN where either date is missing.
        """
        a, na = self._index(after)
        b, nb = self._index(until)
        out: np.ndarray = (self.cum[b] - self.cum[a]).astype("float64")
        out[na | nb] = np.nan
        return out

    def nth_after(self, values: Dates | dt.date, n: int) -> np.ndarray:
        """The ``n``-th working day strictly after each date (DOMAIN §4: "the Nth working day after D")."""
        d = _days(values)
        nat = np.isnat(d)
        pos = np.searchsorted(self.working_dates, np.where(nat, self.first, d), side="right") + n - 1
        if (pos[~nat] >= len(self.working_dates)).any():
            raise ValueError("date outside the calendar")
        out = self.working_dates[np.minimum(pos, len(self.working_dates) - 1)]
        return np.where(nat, np.datetime64("NaT"), out)

    def count(self, start: dt.date, end: dt.date) -> int:
        """Working days from ``start`` to ``end``, both included."""
        return int(self.between(start - dt.timedelta(days=1), end)[0])


@lru_cache(maxsize=8)
def calendar(extra_days_off: tuple[dt.date, ...] = (), extra_working_days: tuple[dt.date, ...] = ()) -> Calendar:
    """The KZ calendar with the settings' extra days; built once per set of extra days."""
    kz = holidays.country_holidays("KZ", years=range(FIRST_YEAR, LAST_YEAR + 1))
    first = np.datetime64(f"{FIRST_YEAR}-01-01", "D")
    days = np.arange(first, np.datetime64(f"{LAST_YEAR + 1}-01-01", "D"))
    weekday = (days.astype("int64") - 4) % 7  # 1970-01-01 was a Thursday; Monday = 0
    working = weekday < 5
    off = np.array(sorted(kz.keys()), dtype="datetime64[D]")
    working[np.isin(days, off)] = False
    made_working = np.array(sorted(getattr(kz, "weekend_workdays", set())), dtype="datetime64[D]")
    working[np.isin(days, made_working)] = True
    working[np.isin(days, np.array(extra_days_off, dtype="datetime64[D]"))] = False
    working[np.isin(days, np.array(extra_working_days, dtype="datetime64[D]"))] = True
    cum = np.cumsum(working)
    table = pd.DataFrame({"day": days.astype("datetime64[s]"), "working": working, "cum": cum.astype("int32")})
    return Calendar(first, days, working, cum, days[working], table)


def for_settings(settings: object) -> Calendar:
    return calendar(tuple(getattr(settings, "extra_days_off", ())), tuple(getattr(settings, "extra_working_days", ())))


def holiday_name(day: dt.date, lang: str) -> str | None:
    """The holiday on ``day`` in kk, ru or en, or None for an ordinary day."""
    if lang == "kk":
        return holidays.country_holidays("KZ", language="kk", years=day.year).get(day)
    english = holidays.country_holidays("KZ", language="en_US", years=day.year).get(day)
    if english is None or lang == "en":
        return english
    return "; ".join(_russian(part) for part in english.split("; "))


def _russian(name: str) -> str:
    m = _SUBSTITUTED.fullmatch(name)
    if m:
        month, day, year = m.groups()  # the package writes en_US dates: MM/DD/YYYY
        return f"Выходной день (перенесен с {day}.{month}.{year})"
    for suffix, ru in _RU_SUFFIX.items():
        if name.endswith(suffix):
            return f"{RU_NAMES.get(name[: -len(suffix)].strip(), name)} {ru}"
    return RU_NAMES.get(name, name)


def holidays_between(start: dt.date, end: dt.date, lang: str) -> list[tuple[dt.date, str]]:
    """Every public holiday and transferred day off in ``[start, end]``, named in ``lang``."""
    years: Iterable[int] = range(start.year, end.year + 1)
    kz = holidays.country_holidays("KZ", years=years)
    out = []
    for day in sorted(d for d in kz if start <= d <= end):
        name = holiday_name(day, lang)
        if name:
            out.append((day, name))
    return out
