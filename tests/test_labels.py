"""Numbers as the pages write them: spaces between thousands, the decimal mark of the language."""

from __future__ import annotations

import pytest

from ui import labels


@pytest.mark.parametrize(
    ("value", "digits", "trim", "language", "shown"),
    [
        (1234567.0, 0, False, "kk", "1\u00a0234\u00a0567"),
        (1234.5, 1, False, "ru", "1\u00a0234,5"),
        (1234.5, 1, False, "en", "1\u00a0234.5"),
        (12.5, 2, True, "kk", "12,5"),
        (100.0, 2, True, "ru", "100"),
        (0.125, 2, False, "kk", "0,12"),
        (-3.25, 1, False, "en", "-3.2"),
        (None, 0, False, "kk", "—"),
        (float("nan"), 1, False, "ru", "—"),
    ],
)
def test_number(value: float | None, digits: int, trim: bool, language: str, shown: str) -> None:
    assert labels.number(value, digits, trim=trim, language=language) == shown


def test_percent_and_money() -> None:
    assert labels.percent(0.755, 1, language="kk") == "75,5%"
    assert labels.percent(0.755, 1, language="en") == "75.5%"
    assert labels.percent(1, language="ru") == "100%"
    assert labels.percent(None) == "—"
    assert labels.money(None) == "—"
