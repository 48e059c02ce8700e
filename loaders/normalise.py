"""Headers and values as people type them, turned into the contract's types.

Every parser works on a whole column (a pandas Series of raw cells) and returns the parsed
values with a mask of the cells it could not read. A cell that cannot be read is never turned
into a blank or a zero: the caller reports it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
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
    "decisions": (
        "decision",
        "meeting decisions",
        "protocol",
        "minutes",
        "решения",
        "решения совещания",
        "протокол",
        "протокол совещания",
        "шешімдер",
        "хаттама",
        "кездесу шешімдері",
    ),
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


Cells = Sequence[object] | pd.Series


@dataclass(frozen=True)
class Parsed:
    """A parsed column: values, cells that were blank, cells that could not be read, and cells
    read but worth a word. All positional, like the input.

    ``note``: a share read as a percent; ``big``: a number too large for any whole-number
    column (left out); ``ambiguous``: a separator that could be a decimal mark or a thousands
    separator, with ``other`` the reading not taken; ``shown``: a percent-formatted cell read
    as the number Excel shows (×100); ``errors``: an Excel error value (``#REF!``), read as
    blank."""

    values: pd.Series
    bad: pd.Series
    note: pd.Series | None = None
    blank: pd.Series | None = None
    big: pd.Series | None = None
    ambiguous: pd.Series | None = None
    other: pd.Series | None = None
    shown: pd.Series | None = None
    errors: pd.Series | None = None


def _cells(raw: Cells) -> list[object]:
    return raw.tolist() if isinstance(raw, pd.Series) else list(raw)


def _is_blank_cell(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (type(v) is str and not v.strip()) or (type(v) is float and v != v)


def _mask(flags: list[bool] | np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(flags, dtype=bool))


def blank_mask(raw: Cells) -> pd.Series:
    """Cells that are empty: None, NaN, or text of only spaces."""
    return _mask([_is_blank_cell(v) for v in _cells(raw)])


def parse_text(raw: Cells, person: bool = False) -> Parsed:
    """Text as typed; whole numbers typed into an ID column read as ``101``, not ``101.0``.

    One pass over the cells (calamine gives typed Python values): faster than pandas on object
    columns, and exact about what each cell was."""
    cells = _cells(raw)
    try:  # the common case: every cell is text (calamine gives "" for an empty cell)
        if person:
            out: list[str | None] = [" ".join(v.split()) or None for v in cells]  # type: ignore[attr-defined]
        else:
            out = [v.strip() or None for v in cells]  # type: ignore[attr-defined]
        if all(type(v) is str for v in cells):
            return _text_result(out)
    except AttributeError:
        pass
    out = []
    append = out.append
    for v in cells:
        t = type(v)
        if t is str:
            text = v.strip()  # type: ignore[attr-defined]
            append((" ".join(text.split()) if person else text) or None)
        elif v is None or v is pd.NA or v is pd.NaT or (t is float and v != v):
            append(None)
        elif t is float:
            f: float = v  # type: ignore[assignment]
            append(str(int(f)) if f.is_integer() else repr(f))
        elif t is int or t is bool:
            append(str(v))
        else:
            append(_other_to_text(v))
    return _text_result(out)


def _text_result(out: list[str | None]) -> Parsed:
    blank = np.fromiter((v is None for v in out), dtype=bool, count=len(out))
    return Parsed(pd.Series(out, dtype=object), _mask(np.zeros(len(out), dtype=bool)), blank=_mask(blank))


def _other_to_text(value: object) -> str:
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else str(value)


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007'’`]")
# one separator with three digits after it and one to three (not a lone 0) before: "500,000",
# "12.000" -- a decimal mark or a thousands separator, nothing in the cell says which
AMBIGUOUS_SEPARATOR: Final = r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$"
_AMBIGUOUS = re.compile(AMBIGUOUS_SEPARATOR)
#: how Excel writes an error value (a formula that failed), also when exported as text
EXCEL_ERRORS: Final = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)
#: the largest magnitude a whole number keeps exactly as a float (and far beyond any column's range)
EXACT_WHOLE: Final = 2.0**53
_CURRENCY = re.compile(r"[£$€₸₽]|\b(?:kzt|тг|тенге|руб|usd|eur|gbp)\.?", re.IGNORECASE)
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?$")


@dataclass(frozen=True)
class NumberStrings:
    """Numbers written as text: their values, the cells with a percent sign, and the cells
    whose one separator could be read either way, with the reading not taken."""

    values: pd.Series
    pct: pd.Series
    ambiguous: pd.Series
    other: pd.Series


def _number_strings(text: pd.Series, decimal_comma: bool, thousands: str | None = None) -> NumberStrings:
    """Numbers written as text -> floats. ``thousands`` (a profile's ``,`` or ``.``) is the
    grouping mark, said outright: no cell is ambiguous then. Without it, a lone separator with
    three digits after it is read the way the decimal mark says (``500,000`` is 500 when the
    decimal mark is a comma; ``12.000`` is 12 000 then, the point being a grouping mark) and
    reported as ambiguous."""
    s = text.str.replace("−", "-", regex=False).str.replace("–", "-", regex=False)
    pct = s.str.contains("%", regex=False)
    s = s.str.replace("%", "", regex=False)
    s = s.str.replace(_CURRENCY, "", regex=True).str.replace(_SPACES, "", regex=True)
    neg = s.str.match(r"^\(.*\)$")
    s = s.str.strip("()")
    ambiguous = s.str.match(_AMBIGUOUS) & (thousands is None)
    if thousands is not None:
        s = s.str.replace(thousands, "", regex=False)
        if thousands == ",":
            decimal_comma = False
    both = s.str.contains(",", regex=False) & s.str.contains(".", regex=False)
    comma_last = s.str.rfind(",") > s.str.rfind(".")
    thousands_comma = s.str.match(_THOUSANDS_COMMA) | (both & ~comma_last)
    if not decimal_comma:
        thousands_comma = thousands_comma | ~both
    point_grouping = (both & comma_last) | (ambiguous & decimal_comma & s.str.contains(".", regex=False))
    s = s.where(~thousands_comma, s.str.replace(",", "", regex=False))
    s = s.where(~point_grouping, s.str.replace(".", "", regex=False))
    s = s.str.replace(",", ".", regex=False)
    num = pd.to_numeric(s.where(s.str.match(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")), errors="coerce")
    num = num.where(~neg, -num)
    # the other reading of an ambiguous cell: the separator as a grouping mark, or as a decimal
    digits = pd.to_numeric(text.where(ambiguous, "").str.replace(r"[^\d]", "", regex=True), errors="coerce")
    other = (num.abs() * 1000).round(9).where(num.abs() < 1000, digits / 1000)
    other = other.where(num >= 0, -other).where(ambiguous)
    return NumberStrings(num, pct, ambiguous.fillna(False).astype(bool), other)


def parse_number(
    raw: Cells,
    *,
    percent: bool = False,
    decimal_comma: bool = True,
    thousands: str | None = None,
    shown_percent: np.ndarray | None = None,
) -> Parsed:
    """``1 234,5``, ``1234.5``, ``£2,341.70``, ``85%``; for a percent column a share 0–1 is ×100.

    ``shown_percent`` marks the cells formatted as a percent in Excel: a number there is read as
    Excel shows it (0.635 shown as 63.5 % reads 63.5), and is never taken for a share."""
    cells = _cells(raw)
    n = len(cells)
    out = np.full(n, np.nan)
    blank = np.zeros(n, dtype=bool)
    text_at: list[int] = []
    text: list[str] = []
    for i, v in enumerate(cells):
        t = type(v)
        if t is float or t is int:
            out[i] = v  # NaN stays NaN: a blank
            blank[i] = v != v
        elif t is str:
            stripped = v.strip()  # type: ignore[attr-defined]
            if stripped:
                text_at.append(i)
                text.append(stripped)
            else:
                blank[i] = True
        elif v is None or v is pd.NA or v is pd.NaT:
            blank[i] = True
        elif isinstance(v, np.integer | np.floating) and not isinstance(v, np.bool_):
            out[i] = float(v)
            blank[i] = bool(np.isnan(out[i]))
        # anything else (a date, a bool) stays NaN and not blank: unreadable as a number
    had_pct = np.zeros(n, dtype=bool)
    ambiguous = np.zeros(n, dtype=bool)
    other = np.full(n, np.nan)
    typed = ~np.isnan(out)  # numeric cells (text is parsed below)
    if text:
        parsed = _number_strings(pd.Series(text, dtype=object).astype(str), decimal_comma, thousands)
        out[text_at] = parsed.values.to_numpy(dtype="float64", na_value=np.nan)
        had_pct[text_at] = parsed.pct.to_numpy(dtype=bool)
        ambiguous[text_at] = parsed.ambiguous.to_numpy(dtype=bool)
        other[text_at] = parsed.other.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~blank & np.isnan(out)
    shown = np.zeros(n, dtype=bool)
    if shown_percent is not None:
        shown = typed & np.asarray(shown_percent, dtype=bool)
        out[shown] = np.round(out[shown] * 100, 10)
    note = None
    if percent:
        share = ~bad & ~blank & ~had_pct & ~shown & (out > 0) & (out <= 1)
        out[share] = out[share] * 100
        note = _mask(share)
    return Parsed(
        pd.Series(out),
        _mask(bad),
        note,
        _mask(blank),
        ambiguous=_mask(ambiguous),
        other=pd.Series(other),
        shown=_mask(shown),
    )


_YEAR_SUFFIX = re.compile(r"\s*(?:ж|жыл|г|год|y|yr)\.?$", re.IGNORECASE)


def parse_integer(raw: Cells, *, decimal_comma: bool = True, thousands: str | None = None) -> Parsed:
    """Whole numbers; ``2026 ж.`` / ``2026 г.`` read as 2026; ``2.5`` is not a whole number; a
    number beyond 2**53 (``1e20``) is marked ``big``, not cast."""
    cells = [_YEAR_SUFFIX.sub("", v.strip()) if type(v) is str else v for v in _cells(raw)]
    p = parse_number(cells, decimal_comma=decimal_comma, thousands=thousands)
    big = p.values.abs().ge(EXACT_WHOLE)
    values = p.values.where(~big)
    frac = values.notna() & values.ne(values.round())
    out = values.round().astype("Int64")
    return Parsed(
        out.where(~frac), p.bad | frac, blank=p.blank, big=big, ambiguous=p.ambiguous, other=p.other, shown=p.shown
    )


def parse_enum(raw: Cells, enum: type[StrEnum]) -> Parsed:
    """A value of ``enum`` typed in kk, ru or en (or a known synonym); each distinct spelling is
    looked up once."""
    index = enum_index(enum)
    text = parse_text(raw).values
    memo: dict[str, str | None] = {}
    out: list[str | None] = []
    for v in text.tolist():
        if v is None:
            out.append(None)
            continue
        hit = memo.get(v, "")
        if hit == "":
            hit = memo[v] = index.get(header_key(v))
        out.append(hit)
    values = pd.Series(out, dtype=object)
    return Parsed(values, text.notna() & values.isna(), blank=text.isna())


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


_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])")
_ORDINAL_1970: Final = dt.date(1970, 1, 1).toordinal()
_NAT: Final = np.iinfo("int64").min


def parse_date(raw: Cells, *, dayfirst: bool = True) -> Parsed:
    """Excel dates and serials, ``23.11.2026``, ``23.11.26``, ``2026-11-23``,
    ``2026-11-23T00:00:00Z``, quarter labels (quarter end) and ``23 ноября 2026``.

    Date cells and the two commonest text forms are read in one pass; other text goes to the
    column-wise parsers."""
    cells = _cells(raw)
    n = len(cells)
    days = np.full(n, _NAT, dtype="int64")
    blank = np.zeros(n, dtype=bool)
    rest_at: list[int] = []
    rest: list[str] = []
    dmy = dayfirst
    for i, v in enumerate(cells):
        t = type(v)
        if t is dt.date or t is dt.datetime:
            days[i] = v.toordinal() - _ORDINAL_1970  # type: ignore[attr-defined]
        elif t is str:
            text = v.strip()  # type: ignore[attr-defined]
            if not text:
                blank[i] = True
                continue
            m = (_DMY.match(text) if dmy else None) or _ISO.match(text)
            if m:
                a, b, c = (int(x) for x in m.groups())
                y, mo, d = (c, b, a) if m.re is _DMY else (a, b, c)
                try:
                    days[i] = dt.date(y, mo, d).toordinal() - _ORDINAL_1970
                    continue
                except ValueError:
                    pass
            rest_at.append(i)
            rest.append(text)
        elif t is float or t is int:
            if v != v:
                blank[i] = True
            elif _SERIAL_MIN <= v <= _SERIAL_MAX:  # type: ignore[operator]
                days[i] = int(v) - 25569  # type: ignore[call-overload]  # 1899-12-30 → 1970-01-01
        elif v is None or v is pd.NA or v is pd.NaT:
            blank[i] = True
        elif isinstance(v, dt.date):  # a pandas Timestamp, a datetime subclass
            days[i] = v.toordinal() - _ORDINAL_1970
        # anything else (a time of day, a bool) stays unread: not a date
    out = days.view("datetime64[D]").astype("datetime64[s]")
    out[days == _NAT] = np.datetime64("NaT")
    if rest:
        parsed = _text_dates(pd.Series(rest, dtype=object).astype(str), dayfirst)
        out[rest_at] = parsed.to_numpy().astype("datetime64[s]")
    values = pd.Series(out)
    return Parsed(values, _mask(~blank & np.isnat(out)), blank=_mask(blank))


def column_lookup(spec: TableSpec, header: str) -> str | None:
    return column_index(spec.name).get(header_key(header))
