"""Codes from the metrics turned into words in the user's language."""

from __future__ import annotations

from collections.abc import Iterable

from i18n import has

from .session import tr


def reason(code: str) -> str:
    """``activity_overdue_long:P03-A04`` → "Activity overdue more than 30 days (P03-A04)"."""
    name, _, item = code.partition(":")
    text = tr(f"rag_reason.{name}") if has(f"rag_reason.{name}") else name
    return f"{text} ({item})" if item else text


def reasons(codes: Iterable[str] | None) -> str:
    return "; ".join(reason(c) for c in codes or [])


def percent(value: float | None, digits: int = 0) -> str:
    return "—" if value is None or value != value else f"{value * 100:.{digits}f}%"


def money(value: float | None) -> str:
    """Thousands of tenge, grouped with thin spaces as people in Kazakhstan write them."""
    return "—" if value is None or value != value else f"{value:,.0f}".replace(",", " ")
