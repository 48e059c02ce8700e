"""Headers and values as people type them, turned into the contract's types.

Every parser works on a whole column (a pandas Series of raw cells) and returns the parsed
values with a mask of the cells it could not read. A cell that cannot be read is never turned
into a blank or a zero: the caller reports it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Final

import numpy as np
import pandas as pd

from i18n import all_languages, has

from .schema import ENUM_CATALOG, ENUM_SYNONYMS, TableSpec, table_specs

# --------------------------------------------------------------------------------------------
# Headers, sheet names, enum labels

# %, № and the arrows carry meaning ("% complete", "№", direction "↑"/"↓"): kept
_NOT_WORD = re.compile(r"[^\w%№↑↓]+")


def header_key(text: object) -> str:
    """Comparable form of a header: case, spacing, punctuation and line breaks ignored."""
    s = unicodedata.normalize("NFKC", str(text)).casefold().replace("ё", "е")
    return _NOT_WORD.sub("", s).replace("_", "")


class SchemaError(ValueError):
    """Two fields of one table (or two values of one enum) share a spelling: a catalog bug."""


def _add(index: dict[str, str], spelling: str, target: str, what: str) -> None:
    k = header_key(spelling)
    if not k:
        return
    if index.get(k, target) != target:
        raise SchemaError(f"{what}: {spelling!r} means both {index[k]!r} and {target!r}")
    index[k] = target


@cache
def column_index(table: str) -> dict[str, str]:
    """Header spelling (normalised) -> field name, for one table."""
    spec = table_specs()[table]
    index: dict[str, str] = {}
    for f in spec.fields:
        for spelling in (f.name, *all_languages(f"col.{table}.{f.name}"), *f.aliases):
            _add(index, spelling, f.name, f"table {table}")
    return index


_TABLE_EXTRA: Final[dict[str, tuple[str, ...]]] = {
    "projects": (
        "passport",
        "passports",
        "портфель",
        "паспорт",
        "паспорта",
        "жоба паспорты",
        "паспорт проекта",
        "project list",
        "жобалар тізімі",
    ),
    "indicators": (
        "kpi",
        "kpis",
        "ннк",
        "кпэ",
        "показатели",
        "көрсеткіштер",
        "target indicators",
        "мақсатты индикаторлар",
        "целевые индикаторы",
    ),
    "indicator_values": (
        "values",
        "мәндер",
        "значения",
        "actuals",
        "факт",
        "indicator actuals",
        "kpi values",
        "мониторинг",
    ),
    "activities": (
        "plan",
        "detailed plan",
        "жоспар",
        "план",
        "детальный план",
        "егжей-тегжейлі жоспар",
        "tasks",
        "задачи",
        "milestones",
    ),
    "risks": ("risk register", "реестр рисков", "тәуекелдер тізілімі"),
    "team": ("team members", "команда проекта", "жоба командасы", "состав команды", "staff"),
    "meetings": ("meeting log", "совещания", "встречи", "отырыстар", "кездесулер журналы"),
    "budget": ("finance", "financing", "финансирование", "қаржыландыру", "бюджет проекта"),
    "changes": (
        "change requests",
        "change log",
        "запросы на изменение",
        "өзгеріс ұсыныстары",
        "предложения об изменении",
    ),
    "evaluations": ("evaluation", "оценка проектов", "бағалау есептері", "отчеты об оценке"),
}


@cache
def known_header_keys() -> frozenset[str]:
    """Every header spelling of every table (to tell a header row, or a CSV delimiter)."""
    return frozenset(k for table in table_specs() for k in column_index(table))


@cache
def table_index() -> dict[str, str]:
    """Sheet name or CSV file stem (normalised) -> table."""
    index: dict[str, str] = {}
    for table in table_specs():
        for spelling in (table, *all_languages(f"table.{table}"), *_TABLE_EXTRA.get(table, ())):
            _add(index, spelling, table, "tables")
    return index


def table_for_name(name: str) -> str | None:
    """The table a sheet name or CSV file stem names, exactly or as a part (longest wins)."""
    key = header_key(name)
    index = table_index()
    if key in index:
        return index[key]
    hits = [(len(k), t) for k, t in index.items() if len(k) >= 4 and k in key]
    return max(hits)[1] if hits else None


@cache
def enum_index(enum: type[StrEnum]) -> dict[str, str]:
    """Every accepted spelling (normalised) of every value of ``enum`` -> the value."""
    section = ENUM_CATALOG[enum]
    index: dict[str, str] = {}
    synonyms = ENUM_SYNONYMS.get(enum, {})
    for member in enum:
        key = f"enum.{section}.{member.value}"
        labels = all_languages(key) if has(key) else ()
        for spelling in (member.value, *labels, *synonyms.get(member.value, ())):
            _add(index, spelling, member.value, f"enum {enum.__name__}")
    return index


def enum_labels(enum: type[StrEnum], lang: str) -> list[str]:
    from i18n import t

    return [t(f"enum.{ENUM_CATALOG[enum]}.{m.value}", lang) for m in enum]


# --------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Parsed:
    values: pd.Series
    bad: pd.Series  # bool: not blank and not readable
    note: pd.Series | None = None  # bool: read, but worth a warning (a share read as a percent)


def blank_mask(raw: pd.Series) -> pd.Series:
    """Cells that are empty: None, NaN, or text of only spaces."""
    isna = raw.isna()
    as_str = raw.where(raw.map(type).isin([str]))
    return isna | as_str.str.strip().eq("").fillna(False).astype(bool)


def _strings(raw: pd.Series, mask: pd.Series) -> pd.Series:
    return raw[mask].astype(str).str.strip()


def parse_text(raw: pd.Series, person: bool = False) -> Parsed:
    """Text as typed; whole numbers typed into an ID column read as ``101``, not ``101.0``."""
    blank = blank_mask(raw)
    types = raw.map(type)
    out = pd.Series(None, index=raw.index, dtype=object)
    is_str = types.isin([str]) & ~blank
    out[is_str] = _strings(raw, is_str)
    is_num = types.isin([float, int]) & ~blank
    if is_num.any():
        nums = raw[is_num].astype(float)
        whole = nums.eq(nums.round())
        out[is_num] = np.where(whole, nums.round().astype("int64").astype(str), nums.astype(str))
    other = ~(is_str | is_num | blank)
    if other.any():
        out[other] = raw[other].map(_other_to_text)
    if person:
        notna = out.notna()
        out[notna] = out[notna].str.replace(r"\s+", " ", regex=True)
    return Parsed(out, pd.Series(False, index=raw.index))


def _other_to_text(value: object) -> str:
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else str(value)


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007'’`]")
_CURRENCY = re.compile(r"[£$€₸₽]|\b(?:kzt|тг|тенге|руб|usd|eur|gbp)\.?", re.IGNORECASE)
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?$")


def _number_strings(text: pd.Series, decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """Numbers written as text -> floats; also which cells carried a percent sign."""
    s = text.str.replace("−", "-", regex=False).str.replace("–", "-", regex=False)
    pct = s.str.contains("%", regex=False)
    s = s.str.replace("%", "", regex=False)
    s = s.str.replace(_CURRENCY, "", regex=True).str.replace(_SPACES, "", regex=True)
    neg = s.str.match(r"^\(.*\)$")
    s = s.str.strip("()")
    both = s.str.contains(",", regex=False) & s.str.contains(".", regex=False)
    comma_last = s.str.rfind(",") > s.str.rfind(".")
    thousands_comma = s.str.match(_THOUSANDS_COMMA) | (both & ~comma_last)
    if not decimal_comma:
        thousands_comma = thousands_comma | ~both
    s = s.where(~thousands_comma, s.str.replace(",", "", regex=False))
    s = s.where(~(both & comma_last), s.str.replace(".", "", regex=False))
    s = s.str.replace(",", ".", regex=False)
    num = pd.to_numeric(s.where(s.str.match(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")), errors="coerce")
    return num.where(~neg, -num), pct


def parse_number(raw: pd.Series, *, percent: bool = False, decimal_comma: bool = True) -> Parsed:
    """``1 234,5``, ``1234.5``, ``£2,341.70``, ``85%``; for a percent column a share 0–1 is ×100."""
    blank = blank_mask(raw)
    types = raw.map(type)
    out = pd.Series(np.nan, index=raw.index, dtype="float64")
    had_pct = pd.Series(False, index=raw.index)
    is_num = types.isin([float, int]) & ~blank
    out[is_num] = raw[is_num].astype(float)
    is_str = types.isin([str]) & ~blank
    if is_str.any():
        nums, pct = _number_strings(_strings(raw, is_str), decimal_comma)
        out[is_str] = nums
        had_pct[is_str] = pct
    bad = ~blank & out.isna()
    note = None
    if percent:
        share = ~bad & ~blank & ~had_pct & out.gt(0) & out.le(1)
        out[share] = out[share] * 100
        note = share
    return Parsed(out, bad, note)


_YEAR_SUFFIX = re.compile(r"\s*(?:ж|жыл|г|год|y|yr)\.?$", re.IGNORECASE)


def parse_integer(raw: pd.Series, *, decimal_comma: bool = True) -> Parsed:
    """Whole numbers; ``2026 ж.`` / ``2026 г.`` read as 2026; ``2.5`` is not a whole number."""
    types = raw.map(type)
    is_str = types.isin([str])
    cleaned = raw.copy()
    if is_str.any():
        cleaned[is_str] = raw[is_str].astype(str).str.strip().str.replace(_YEAR_SUFFIX, "", regex=True)
    p = parse_number(cleaned, decimal_comma=decimal_comma)
    frac = p.values.notna() & p.values.ne(p.values.round())
    out = p.values.round().astype("Int64")
    return Parsed(out.where(~frac), p.bad | frac)


def parse_enum(raw: pd.Series, enum: type[StrEnum]) -> Parsed:
    """A value of ``enum`` typed in kk, ru or en (or a known synonym)."""
    text = parse_text(raw).values
    keys = text.dropna().map(header_key)
    out = pd.Series(None, index=raw.index, dtype=object)
    out[keys.index] = keys.map(enum_index(enum))
    return Parsed(out, text.notna() & out.isna())


# Dates --------------------------------------------------------------------------------------

_EXCEL_EPOCH: Final = pd.Timestamp("1899-12-30")
_SERIAL_MIN, _SERIAL_MAX = 18264, 73051  # 1950-01-01 .. 2099-12-31: a plain small number is no date
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_Q_WORDS = r"(?:q|qtr|quarter|тоқсан|тоқ|квартал|кв)\.?"
_QUARTER_PATTERNS: Final = (
    re.compile(rf"^(?P<y>\d{{4}})\s*(?:ж\.?|г\.?|жыл|год)?\s*[-/ ]?\s*{_Q_WORDS}\s*(?P<q>[1-4]|i{{1,3}}|iv)$"),
    re.compile(rf"^{_Q_WORDS}\s*(?P<q>[1-4]|i{{1,3}}|iv)\s*[-/ ,]?\s*(?P<y>\d{{4}})$"),
    re.compile(
        rf"^(?P<q>[1-4]|i{{1,3}}|iv)\s*[-]?\s*(?:ші|-ші|шы|-шы|й|-й)?\s*{_Q_WORDS}"
        rf"\s*[-/ ,]?\s*(?P<y>\d{{4}})\s*(?:ж\.?|г\.?|жыл|года?)?$"
    ),
    re.compile(
        rf"^(?P<y>\d{{4}})\s*(?:ж\.?|г\.?|жыл|года?)?\s*(?P<q>[1-4]|i{{1,3}}|iv)\s*[-]?\s*(?:ші|шы|й)?\s*{_Q_WORDS}$"
    ),
)
_MONTHS: Final[dict[str, int]] = {
    # ru (genitive and nominative stems), kk, en
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
    "қаңтар": 1,
    "ақпан": 2,
    "наурыз": 3,
    "сәуір": 4,
    "мамыр": 5,
    "маусым": 6,
    "шілде": 7,
    "тамыз": 8,
    "қыркүйек": 9,
    "қазан": 10,
    "қараша": 11,
    "желтоқсан": 12,
}


def quarter_end(text: pd.Series) -> pd.Series:
    """``2026-Q3``, ``Q3 2026``, ``3 тоқсан 2026``, ``3 квартал 2026``, ``III кв. 2026`` -> 2026-09-30."""
    low = text.str.casefold().str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    todo = pd.Series(True, index=text.index)
    for pattern in _QUARTER_PATTERNS:
        found = low[todo].str.extract(pattern)
        ok = found["y"].notna()
        if not ok.any():
            continue
        q = found.loc[ok, "q"].map(lambda v: _ROMAN.get(v, v)).astype(int)
        y = found.loc[ok, "y"].astype(int)
        starts = pd.to_datetime({"year": y, "month": q * 3 - 2, "day": 1})
        out[ok[ok].index] = starts + pd.offsets.QuarterEnd(0)
        todo[ok[ok].index] = False
    return out


def _month_names(text: pd.Series) -> pd.Series:
    """``23 ноября 2026``, ``2026 жылғы 23 қараша``, ``23 November 2026``."""
    low = text.str.casefold()
    found = low.str.extract(r"^(?P<d>\d{1,2})\s+(?P<m>[^\d\s.,]+)\.?,?\s+(?P<y>\d{4})")
    alt = low.str.extract(r"^(?P<y>\d{4})\s*(?:ж\.|жылғы|г\.|года)?\s+(?P<d>\d{1,2})\s+(?P<m>[^\d\s.,]+)")
    found = found.fillna(alt)
    ok = found["y"].notna()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if not ok.any():
        return out
    month = found.loc[ok, "m"].map(_month_number)
    good = month.notna()
    idx = month[good].index
    if len(idx):
        parts = {
            "year": found.loc[idx, "y"].astype(int),
            "month": month[good].astype(int),
            "day": found.loc[idx, "d"].astype(int),
        }
        out[idx] = pd.to_datetime(pd.DataFrame(parts), errors="coerce")
    english = pd.to_datetime(text[ok & out.isna()], format="%d %B %Y", errors="coerce")
    out[english.index] = english
    return out


def _month_number(word: str) -> int | None:
    for stem, n in sorted(_MONTHS.items(), key=lambda kv: -len(kv[0])):
        if word.startswith(stem):
            return n
    return None


def _text_dates(text: pd.Series, dayfirst: bool) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")

    def fill(mask: pd.Series, values: pd.Series, fmt: str) -> None:
        if mask.any():
            parsed = pd.to_datetime(values[mask], format=fmt, errors="coerce")
            out[parsed.index] = parsed

    iso = text.str.match(r"^\d{4}-\d{1,2}-\d{1,2}(?:$|[T\s])")
    fill(iso, text.str.slice(0, 10).str.replace(r"[T\s].*$", "", regex=True), "%Y-%m-%d")
    ymd = text.str.match(r"^\d{4}[./]\d{1,2}[./]\d{1,2}$")
    fill(ymd, text.str.replace("/", ".", regex=False), "%Y.%m.%d")
    head = text.str.extract(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})(?:$|[T\s])")
    has = head[0].notna()
    if has.any():
        d, m = (head[0], head[1]) if dayfirst else (head[1], head[0])
        y = head[2].where(head[2].str.len() == 4, "20" + head[2].fillna(""))
        # two-digit years: 00–69 are 2000s, 70–99 are 1900s
        y = y.where(~(head[2].str.len().eq(2) & head[2].fillna("0").astype(int).ge(70)), "19" + head[2].fillna(""))
        fill(has, d + "." + m + "." + y, "%d.%m.%Y")
    abbrev = text.str.match(r"^\d{1,2}[- ][A-Za-z]{3}[- ](\d{2}|\d{4})$") & out.isna()
    if abbrev.any():  # 31-Dec-07, 31 Dec 2007
        norm = text[abbrev].str.replace(" ", "-", regex=False)
        long_year = norm.str.len() > 9
        fill(abbrev & ~long_year.reindex(text.index, fill_value=False), norm, "%d-%b-%y")
        fill(abbrev & long_year.reindex(text.index, fill_value=False), norm, "%d-%b-%Y")
    rest = out.isna()
    if rest.any():
        q = quarter_end(text[rest])
        out[q.dropna().index] = q.dropna()
    rest = out.isna()
    if rest.any():
        named = _month_names(text[rest])
        out[named.dropna().index] = named.dropna()
    return out


def parse_date(raw: pd.Series, *, dayfirst: bool = True) -> Parsed:
    """Excel dates and serials, ``23.11.2026``, ``23.11.26``, ``2026-11-23``,
    ``2026-11-23T00:00:00Z``, quarter labels (quarter end) and ``23 ноября 2026``."""
    blank = blank_mask(raw)
    types = raw.map(type)
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    is_str = types.isin([str]) & ~blank
    is_num = types.isin([float, int]) & ~blank
    is_obj = ~(is_str | is_num | blank)
    if is_obj.any():
        objs = raw[is_obj]
        converted = pd.to_datetime(objs.map(_date_like), errors="coerce")
        out[objs.index] = converted
    if is_num.any():
        nums = raw[is_num].astype(float)
        ok = nums.between(_SERIAL_MIN, _SERIAL_MAX)
        out[nums[ok].index] = _EXCEL_EPOCH + pd.to_timedelta(nums[ok].astype("int64"), unit="D")
    if is_str.any():
        parsed = _text_dates(_strings(raw, is_str), dayfirst)
        out[parsed.index] = parsed
    out = out.dt.floor("D")
    return Parsed(out, ~blank & out.isna())


def _date_like(value: object) -> object:
    """datetime/date objects pass; anything else (a time of day, a bool) is not a date."""
    import datetime as dt

    if isinstance(value, dt.datetime | dt.date):
        return value
    return None


def column_lookup(spec: TableSpec, header: str) -> str | None:
    return column_index(spec.name).get(header_key(header))
