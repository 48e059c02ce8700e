"""One style for numbers, per language: the pages, the deck, the Excel pack, the command line and
the import messages all write numbers through these functions.

Kazakh and Russian: a decimal comma and a no-break space between thousands (``1 234,5``);
English: a decimal point and a no-break space between thousands (``1 234.5``), so a figure
never breaks across lines and reads the same way in every language. Percentages carry no space
before the sign (``75,5%``). A missing value is an em dash, never 0.
"""

from __future__ import annotations

from typing import Final

NBSP: Final = "\u00a0"
MISSING: Final = "—"


def number(value: float | None, lang: str, digits: int = 0, *, trim: bool = False) -> str:
    """``value`` with ``digits`` decimals (``trim`` drops trailing zeros: ``12,50`` → ``12,5``)."""
    if value is None or value != value:
        return MISSING
    text = f"{float(value):,.{digits}f}"
    if trim and digits:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = text[1:]
    text = text.replace(",", NBSP)
    return text if lang == "en" else text.replace(".", ",")


def percent(fraction: float | None, lang: str, digits: int = 0) -> str:
    """A share 0–1 as a percentage: ``0.755`` → ``75,5%`` (``75.5%`` in English)."""
    if fraction is None or fraction != fraction:
        return MISSING
    return f"{number(float(fraction) * 100, lang, digits)}%"


def pct(value: float | None, lang: str, digits: int = 0) -> str:
    """A value already 0–100 as a percentage: ``98.5`` → ``98,5%``."""
    if value is None or value != value:
        return MISSING
    return f"{number(value, lang, digits)}%"


def money(value: float | None, lang: str) -> str:
    """Thousands of tenge, whole, grouped: ``1 234 567``."""
    return number(value, lang)


def plain(value: float | int, lang: str) -> str:
    """A number as a person would write it in a sentence: whole numbers without decimals, others
    with as many as they need (up to 6): ``0.2`` → ``0,2``, ``500000`` → ``500 000``."""
    v = float(value)
    if v.is_integer():
        return number(v, lang)
    return number(v, lang, 6, trim=True)


def parse(text: str, lang: str) -> float | None:
    """A number as a person types it: spaces, no-break spaces and apostrophes group thousands;
    in Kazakh and Russian a comma or a point is the decimal mark (``0,9``, ``0.9``, ``2 500,5``), in
    English a point is, and a comma groups thousands (``2,500.5``). None if it is no number."""
    cleaned = text.strip()
    for sep in (NBSP, "\u202f", " ", "'"):
        cleaned = cleaned.replace(sep, "")
    if lang == "en":
        cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not cleaned or any(c not in "0123456789.-+" for c in cleaned):
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value
