"""``i18n.numbers``: one style for numbers in every language (expectations written by hand).

Kazakh and Russian: a decimal comma; English: a decimal point; thousands apart by a no-break space
in all three; no space before ``%``; a missing value is an em dash."""

from __future__ import annotations

import math

import pytest

from i18n import numbers
from i18n.numbers import MISSING, NBSP

S = NBSP  # shorter in the tables below


@pytest.mark.parametrize(
    ("value", "digits", "kk", "ru", "en"),
    [
        (0, 0, "0", "0", "0"),
        (7, 0, "7", "7", "7"),
        (999, 0, "999", "999", "999"),
        (1000, 0, f"1{S}000", f"1{S}000", f"1{S}000"),
        (1234567, 0, f"1{S}234{S}567", f"1{S}234{S}567", f"1{S}234{S}567"),
        (1234.5, 1, f"1{S}234,5", f"1{S}234,5", f"1{S}234.5"),
        (1234.5, 2, f"1{S}234,50", f"1{S}234,50", f"1{S}234.50"),
        (0.25, 2, "0,25", "0,25", "0.25"),
        (-0.25, 2, "-0,25", "-0,25", "-0.25"),
        (-1234.5, 1, f"-1{S}234,5", f"-1{S}234,5", f"-1{S}234.5"),
        (-1234567, 0, f"-1{S}234{S}567", f"-1{S}234{S}567", f"-1{S}234{S}567"),
        # rounding to the digits asked for
        (2.5, 0, "2", "2", "2"),  # half to even, as Python's format does
        (3.5, 0, "4", "4", "4"),
        (1.96, 1, "2,0", "2,0", "2.0"),
        (999.96, 1, f"1{S}000,0", f"1{S}000,0", f"1{S}000.0"),
        (0.123456, 3, "0,123", "0,123", "0.123"),
        # what rounds to nothing is not negative
        (-0.4, 0, "0", "0", "0"),
        (-0.04, 1, "0,0", "0,0", "0.0"),
    ],
)
def test_number(value: float, digits: int, kk: str, ru: str, en: str) -> None:
    assert numbers.number(value, "kk", digits) == kk
    assert numbers.number(value, "ru", digits) == ru
    assert numbers.number(value, "en", digits) == en


def test_number_trim_drops_trailing_zeros() -> None:
    assert numbers.number(12.5, "ru", 2, trim=True) == "12,5"
    assert numbers.number(12.5, "en", 2, trim=True) == "12.5"
    assert numbers.number(3.0, "kk", 2, trim=True) == "3"
    assert numbers.number(1200.0, "ru", 1, trim=True) == f"1{S}200"  # zeros of the whole part stay
    assert numbers.number(12.5, "ru", 2) == "12,50"  # without trim they stay


@pytest.mark.parametrize("missing", [None, float("nan"), math.nan])
def test_missing_values_are_a_dash_never_zero(missing: float | None) -> None:
    for lang in ("kk", "ru", "en"):
        assert numbers.number(missing, lang) == MISSING == "—"
        assert numbers.number(missing, lang, 2, trim=True) == "—"
        assert numbers.percent(missing, lang) == "—"
        assert numbers.pct(missing, lang, 1) == "—"
        assert numbers.money(missing, lang) == "—"


@pytest.mark.parametrize(
    ("fraction", "digits", "kk", "ru", "en"),
    [
        (0.755, 1, "75,5%", "75,5%", "75.5%"),
        (0.755, 0, "76%", "76%", "76%"),
        (0.7, 0, "70%", "70%", "70%"),
        (1.0, 0, "100%", "100%", "100%"),
        (0.0, 1, "0,0%", "0,0%", "0.0%"),
        (1.025, 1, "102,5%", "102,5%", "102.5%"),
        (-0.125, 1, "-12,5%", "-12,5%", "-12.5%"),
        (12.5, 0, f"1{S}250%", f"1{S}250%", f"1{S}250%"),
    ],
)
def test_percent_of_a_share(fraction: float, digits: int, kk: str, ru: str, en: str) -> None:
    assert numbers.percent(fraction, "kk", digits) == kk
    assert numbers.percent(fraction, "ru", digits) == ru
    assert numbers.percent(fraction, "en", digits) == en


@pytest.mark.parametrize(
    ("value", "digits", "kk", "ru", "en"),
    [
        (98.5, 1, "98,5%", "98,5%", "98.5%"),
        (61.632653, 1, "61,6%", "61,6%", "61.6%"),
        (75.504443, 1, "75,5%", "75,5%", "75.5%"),
        (80, 0, "80%", "80%", "80%"),
        (104.2, 0, "104%", "104%", "104%"),
        (-3.25, 1, "-3,2%", "-3,2%", "-3.2%"),  # half to even
    ],
)
def test_pct_of_a_value_0_to_100(value: float, digits: int, kk: str, ru: str, en: str) -> None:
    assert numbers.pct(value, "kk", digits) == kk
    assert numbers.pct(value, "ru", digits) == ru
    assert numbers.pct(value, "en", digits) == en


def test_no_space_before_the_percent_sign() -> None:
    for lang in ("kk", "ru", "en"):
        for text in (numbers.percent(0.5, lang), numbers.pct(50, lang, 1)):
            assert text.endswith("%") and not text[-2].isspace()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (840000, f"840{S}000"),
        (15410000.0, f"15{S}410{S}000"),
        (1234.5, f"1{S}234"),  # whole thousands of tenge (half to even)
        (1235.5, f"1{S}236"),
        (0, "0"),
        (-2500, f"-2{S}500"),
    ],
)
def test_money_in_thousands_of_tenge_is_whole_and_grouped(value: float, expected: str) -> None:
    for lang in ("kk", "ru", "en"):
        assert numbers.money(value, lang) == expected


@pytest.mark.parametrize(
    ("value", "kk", "ru", "en"),
    [
        (0.2, "0,2", "0,2", "0.2"),
        (98.5, "98,5", "98,5", "98.5"),
        (500000, f"500{S}000", f"500{S}000", f"500{S}000"),
        (2.0, "2", "2", "2"),
        (5, "5", "5", "5"),
        (0.01, "0,01", "0,01", "0.01"),
        (-1.5, "-1,5", "-1,5", "-1.5"),
        (1 / 3, "0,333333", "0,333333", "0.333333"),  # at most six decimals
        (0.1 + 0.2, "0,3", "0,3", "0.3"),  # float noise does not show
        (1234.25, f"1{S}234,25", f"1{S}234,25", f"1{S}234.25"),
    ],
)
def test_plain_numbers_in_a_sentence(value: float, kk: str, ru: str, en: str) -> None:
    assert numbers.plain(value, "kk") == kk
    assert numbers.plain(value, "ru") == ru
    assert numbers.plain(value, "en") == en


def test_an_unknown_language_writes_a_decimal_comma() -> None:
    """Only English uses the point; any other code falls back to the comma of kk and ru."""
    assert numbers.number(1.5, "de", 1) == "1,5"


def test_thousands_never_break_across_lines() -> None:
    for lang in ("kk", "ru", "en"):
        text = numbers.number(12345678.9, lang, 1)
        assert " " not in text and text.count(NBSP) == 2
        assert text.endswith(".9" if lang == "en" else ",9")


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("0,9", "kk", 0.9),
        ("0.9", "ru", 0.9),
        (f"2{S}500,5", "ru", 2500.5),
        ("2 500", "kk", 2500.0),
        (" 15 ", "kk", 15.0),
        ("-3,25", "kk", -3.25),
        ("0.9", "en", 0.9),
        ("2,500.5", "en", 2500.5),
        ("2,500", "en", 2500.0),
        ("1,2,3", "ru", None),
        ("", "kk", None),
        ("abc", "en", None),
        ("1e5", "en", None),  # not how anyone types a threshold
        ("nan", "en", None),
        ("12%", "ru", None),
    ],
)
def test_parse_reads_what_people_type(text: str, lang: str, value: float | None) -> None:
    assert numbers.parse(text, lang) == value


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("value", [0.0, 0.05, 0.9, 2.5, 15.0, 480.0, 1234.5, 20000.0])
def test_what_is_written_reads_back(value: float, lang: str) -> None:
    assert numbers.parse(numbers.plain(value, lang), lang) == value
