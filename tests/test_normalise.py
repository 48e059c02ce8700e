"""Column parsers: every form people type is read, and what cannot be read is bad, never blank."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import numpy as np
import pandas as pd
import pytest

from i18n import LANGS, all_languages, t
from loaders.normalise import (
    SchemaError,
    column_index,
    enum_index,
    header_key,
    parse_date,
    parse_enum,
    parse_integer,
    parse_number,
    parse_text,
    quarter_end,
    table_for_name,
)
from loaders.schema import ENUM_CATALOG, ENUM_SYNONYMS, Priority, ProjectStatus, table_specs


def col(*cells: object) -> pd.Series:
    return pd.Series(list(cells), dtype=object)


def one_date(cell: object, *, dayfirst: bool = True) -> dt.date | None:
    p = parse_date(col(cell), dayfirst=dayfirst)
    assert not p.bad.iloc[0], f"{cell!r} was not read as a date"
    v = p.values.iloc[0]
    return None if pd.isna(v) else v.date()


# --------------------------------------------------------------------------------------------
# Dates

NOV_23 = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    "cell",
    [
        dt.date(2026, 11, 23),
        dt.datetime(2026, 11, 23, 15, 30),  # a time of day is dropped
        pd.Timestamp("2026-11-23 08:00"),
        46349,  # Excel serial
        46349.0,
        "23.11.2026",
        "23.11.26",
        " 23.11.2026 ",
        "2026-11-23",
        "2026-11-23T00:00:00Z",
        "2026-11-23 10:15:00",
        "2026/11/23",
        "2026.11.23",
        "23/11/2026",
        "23 ноября 2026",
        "23 November 2026",
        "2026 жылғы 23 қараша",
    ],
)
def test_date_forms(cell: object) -> None:
    assert one_date(cell) == NOV_23


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-Q3", dt.date(2026, 9, 30)),
        ("2026 Q3", dt.date(2026, 9, 30)),
        ("Q3 2026", dt.date(2026, 9, 30)),
        ("q1 2026", dt.date(2026, 3, 31)),
        ("3 тоқсан 2026", dt.date(2026, 9, 30)),
        ("3 квартал 2026", dt.date(2026, 9, 30)),
        ("III кв. 2026", dt.date(2026, 9, 30)),
        ("IV квартал 2025", dt.date(2025, 12, 31)),
        ("2 квартал 2026 года", dt.date(2026, 6, 30)),
        ("I тоқсан 2026", dt.date(2026, 3, 31)),
    ],
)
def test_quarter_labels_read_as_quarter_end(cell: str, expected: dt.date) -> None:
    assert one_date(cell) == expected


def test_quarter_end_on_its_own() -> None:
    out = quarter_end(pd.Series(["2026-Q1", "Q4 2026", "not a quarter"]))
    assert list(out[:2].dt.date) == [dt.date(2026, 3, 31), dt.date(2026, 12, 31)]
    assert pd.isna(out.iloc[2])


def test_two_digit_years() -> None:
    assert one_date("30.06.08") == dt.date(2008, 6, 30)
    assert one_date("31.12.40") == dt.date(2040, 12, 31)
    assert one_date("01.01.85") == dt.date(1985, 1, 1)


def test_month_first_when_asked() -> None:
    assert one_date("12/31/2026", dayfirst=False) == dt.date(2026, 12, 31)
    assert one_date("11/23/2026", dayfirst=False) == NOV_23


@pytest.mark.parametrize(
    "cell",
    [
        "5",
        "x",
        "31.02.2026",  # no such day
        "12/31/2026",  # month 31 when day-first
        "2026-13-01",
        "Q5 2026",
        "23 смарта 2026",
        5,  # a small number is not an Excel serial
        5.5,
        True,
        dt.time(10, 30),
    ],
)
def test_unreadable_dates_are_bad_not_blank(cell: object) -> None:
    p = parse_date(col(cell))
    assert bool(p.bad.iloc[0])
    assert pd.isna(p.values.iloc[0])


def test_blank_dates_are_blank_not_bad() -> None:
    p = parse_date(col(None, np.nan, "", "   ", pd.NaT))
    assert not p.bad.any()
    assert p.values.isna().all()


def test_dates_keep_their_rows_in_a_mixed_column() -> None:
    p = parse_date(col("2026-Q3", None, "x", dt.date(2026, 1, 2), "02.01.2026"))
    assert list(p.bad) == [False, False, True, False, False]
    assert p.values.iloc[0].date() == dt.date(2026, 9, 30)
    assert p.values.iloc[3] == p.values.iloc[4] == pd.Timestamp("2026-01-02")


# --------------------------------------------------------------------------------------------
# Numbers


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),  # NBSP thousands (Excel in the ru/kk locale)
        ("1\u202f234,5", 1234.5),  # narrow NBSP
        ("1234.5", 1234.5),
        ("1234,5", 1234.5),
        ("1,234,567", 1234567.0),
        ("1.234.567,89", 1234567.89),
        ("£2,341.70", 2341.70),
        ("₸ 1 500", 1500.0),
        ("1 500 тг", 1500.0),
        ("-5", -5.0),
        ("−5", -5.0),  # a typographic minus
        ("(100)", -100.0),  # accountants' negative
        (1234, 1234.0),
        (12.25, 12.25),
        ("0", 0.0),
    ],
)
def test_number_forms(cell: object, expected: float) -> None:
    p = parse_number(col(cell))
    assert not p.bad.iloc[0]
    assert p.values.iloc[0] == pytest.approx(expected)


def test_decimal_point_profile_reads_comma_as_thousands() -> None:
    p = parse_number(col("£2,341.70", "12,345", "1234.5"), decimal_comma=False)
    assert list(p.values) == pytest.approx([2341.70, 12345.0, 1234.5])


@pytest.mark.parametrize("cell", ["abc", "12abc", "1.2.3", "--5", "%"])
def test_unreadable_numbers_are_bad(cell: str) -> None:
    p = parse_number(col(cell))
    assert bool(p.bad.iloc[0])
    assert pd.isna(p.values.iloc[0])


def test_blank_numbers_stay_blank_and_are_not_bad() -> None:
    p = parse_number(col(None, np.nan, "", "  "))
    assert not p.bad.any()
    assert p.values.isna().all()


def test_percent_column() -> None:
    p = parse_number(col("85%", "85 %", 85, "0,85", 0.85, "0%", 0, "100%", None), percent=True)
    assert p.note is not None
    assert list(p.values[:8]) == pytest.approx([85, 85, 85, 85, 85, 0, 0, 100])
    assert pd.isna(p.values.iloc[8])
    # only a share (0 < x <= 1, no % sign) is multiplied, and it is flagged for a warning
    assert list(p.note) == [False, False, False, True, True, False, False, False, False]
    assert not p.bad.any()


def test_share_is_not_rescaled_outside_a_percent_column() -> None:
    p = parse_number(col(0.85))
    assert p.values.iloc[0] == pytest.approx(0.85)
    assert p.note is None


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("2026 ж.", 2026), ("2026 г.", 2026), ("2026 год", 2026), ("2026", 2026), (2026, 2026), (2026.0, 2026)],
)
def test_integer_forms(cell: object, expected: int) -> None:
    p = parse_integer(col(cell))
    assert not p.bad.iloc[0]
    assert p.values.iloc[0] == expected


@pytest.mark.parametrize("cell", ["2.5", 2.5, "x", "2026 year of the horse"])
def test_integers_that_are_not_whole_are_bad(cell: object) -> None:
    p = parse_integer(col(cell))
    assert bool(p.bad.iloc[0])
    assert pd.isna(p.values.iloc[0])


def test_blank_integer_is_not_bad() -> None:
    p = parse_integer(col(None, ""))
    assert not p.bad.any()
    assert p.values.isna().all()


def test_text_reads_whole_numbers_without_point_zero() -> None:
    p = parse_text(col(101.0, 101, 2.5, "  P-1 ", None, "", dt.date(2026, 1, 2)))
    assert list(p.values[:4]) == ["101", "101", "2.5", "P-1"]
    assert pd.isna(p.values.iloc[4]) and pd.isna(p.values.iloc[5])
    assert p.values.iloc[6] == "2026-01-02"
    assert not p.bad.any()


def test_person_names_collapse_spaces() -> None:
    p = parse_text(col("Иванов   Иван", " Asel\u00a0 Nurlanovna "), person=True)
    assert list(p.values) == ["Иванов Иван", "Asel Nurlanovna"]


# --------------------------------------------------------------------------------------------
# Enums


def _misread(enum: type[StrEnum], typed: list[str], expected: list[str]) -> list[tuple[str, str, object]]:
    """Spellings of ``enum`` not read as the value expected (one parse per enum: fast)."""
    p = parse_enum(col(*typed), enum)
    return [
        (enum.__name__, text, got)
        for text, want, got, bad in zip(typed, expected, p.values, p.bad, strict=True)
        if bad or got != want
    ]


def test_every_catalog_label_maps_back_to_its_member() -> None:
    wrong = []
    for enum, section in ENUM_CATALOG.items():
        typed, expected = [], []
        for member in enum:
            for lang in LANGS:
                label = t(f"enum.{section}.{member.value}", lang)
                for spelling in (label, label.upper(), f"  {label.lower()} "):
                    typed.append(spelling)
                    expected.append(member.value)
        wrong += _misread(enum, typed, expected)
    assert wrong == []


def test_every_synonym_and_english_key_maps_back() -> None:
    wrong = []
    for enum in ENUM_CATALOG:
        synonyms = ENUM_SYNONYMS.get(enum, {})
        typed, expected = [], []
        for member in enum:
            for spelling in (member.value, member.value.replace("_", " "), *synonyms.get(member.value, ())):
                typed.append(spelling)
                expected.append(member.value)
        wrong += _misread(enum, typed, expected)
    assert wrong == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("жоғары", "high"), ("Высокий", "high"), ("HIGH", "high"), ("орташа", "medium"), ("Низкий", "low")],
)
def test_priority_in_three_languages(typed: str, expected: str) -> None:
    assert parse_enum(col(typed), Priority).values.iloc[0] == expected


def test_unknown_enum_value_is_bad_and_blank_is_not() -> None:
    p = parse_enum(col("very high", None, "", "Реализация"), Priority)
    assert list(p.bad) == [True, False, False, True]
    p = parse_enum(col("Реализация", "в работе", "ACTIVE"), ProjectStatus)
    assert list(p.values) == ["execution", "execution", "execution"]


# --------------------------------------------------------------------------------------------
# Headers and sheet names


@pytest.mark.parametrize(
    "header", ["project_id", "PROJECT ID", "Project Id", "Project-ID.", "Жоба\nкоды", "ЖОБА  КОДЫ", "Код проекта *"]
)
def test_header_spellings_find_the_field(header: str) -> None:
    assert column_index("projects")[header_key(header)] == "project_id"


def test_header_key_ignores_case_spacing_punctuation_and_line_breaks() -> None:
    assert header_key("Жоба\nкоды") == header_key("жоба коды") == header_key("ЖОБА_КОДЫ")
    assert header_key(" Allocation,\r\n% ") == header_key("allocation %")
    assert header_key("Ёлка") == header_key("елка")


def test_template_headers_in_every_language_are_recognised() -> None:
    for table, spec in table_specs().items():
        index = column_index(table)
        for f in spec.fields:
            for label in all_languages(f"col.{table}.{f.name}"):
                assert index[header_key(label)] == f.name, (table, f.name, label)
                assert index[header_key(label + " *")] == f.name


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("projects", "projects"),
        ("Жобалар", "projects"),
        ("Проекты", "projects"),
        ("PROJECTS", "projects"),
        ("Risks", "risks"),
        ("Тәуекелдер", "risks"),
        ("Риски", "risks"),
        ("risks_2026-11", "risks"),
        ("indicator_values", "indicator_values"),
        ("Индикатор мәндері", "indicator_values"),
        ("Значения индикаторов", "indicator_values"),
        ("indicator_values_2026-Q3", "indicator_values"),
        ("Іс-шаралар", "activities"),
        ("Мероприятия", "activities"),
        ("team", "team"),
        ("Команда", "team"),
        ("Кездесулер", "meetings"),
        ("Встречи", "meetings"),
        ("budget_2026", "budget"),
        ("Бюджет", "budget"),
        ("Өзгерістер", "changes"),
        ("Оценка", "evaluations"),
        ("Индикаторлар", "indicators"),
        ("Индикаторы", "indicators"),
    ],
)
def test_table_for_name(name: str, table: str) -> None:
    assert table_for_name(name) == table


@pytest.mark.parametrize("name", ["Sheet1", "Лист1", "notes", "data"])
def test_table_for_name_unknown(name: str) -> None:
    assert table_for_name(name) is None


def test_every_table_name_in_every_language() -> None:
    for table in table_specs():
        for name in (table, *all_languages(f"table.{table}")):
            assert table_for_name(name) == table, name


# --------------------------------------------------------------------------------------------
# The catalog is consistent: no spelling means two things


def test_no_header_spelling_means_two_fields_of_one_table() -> None:
    for table in table_specs():
        try:
            column_index.__wrapped__(table)
        except SchemaError as exc:  # pragma: no cover - the failure message is the point
            pytest.fail(str(exc))


def test_no_enum_spelling_means_two_values() -> None:
    for enum in ENUM_CATALOG:
        try:
            index = enum_index.__wrapped__(enum)
        except SchemaError as exc:  # pragma: no cover
            pytest.fail(str(exc))
        assert set(index.values()) == {m.value for m in enum}


def test_clashes_are_reported() -> None:
    from loaders.normalise import _add

    index: dict[str, str] = {}
    _add(index, "Start", "start_date", "table x")
    _add(index, "START", "start_date", "table x")  # the same field twice is fine
    with pytest.raises(SchemaError, match="start"):
        _add(index, "start", "planned_start", "table x")
