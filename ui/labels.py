"""Codes from the metrics turned into words in the user's language."""

from __future__ import annotations

from collections.abc import Iterable

from exports.digest_text import reason_text
from i18n import numbers

from .session import lang


def reason(code: str, *, language: str | None = None) -> str:
    """``activity_overdue_long:P03-A04`` → "Activity overdue more than 30 days (P03-A04)"."""
    return reason_text(code, language or lang())


def reasons(codes: Iterable[str] | None, *, language: str | None = None) -> str:
    language = language or lang()
    return "; ".join(reason(c, language=language) for c in codes or [])


def number(value: float | None, digits: int = 0, *, trim: bool = False, language: str | None = None) -> str:
    """Thousands grouped with no-break spaces; a decimal comma in Kazakh and Russian, a point in
    English (``language`` defaults to the session's; ``i18n.numbers``)."""
    return numbers.number(value, language or lang(), digits, trim=trim)


def percent(value: float | None, digits: int = 0, *, language: str | None = None) -> str:
    """A share 0–1 as a percentage: ``0.755`` → ``75,5%`` (``75.5%`` in English)."""
    return numbers.percent(value, language or lang(), digits)


def money(value: float | None, *, language: str | None = None) -> str:
    """Thousands of tenge, whole, grouped with spaces as people in Kazakhstan write them."""
    return numbers.money(value, language or lang())
