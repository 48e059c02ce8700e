"""Plain-text tables for the terminal."""

from __future__ import annotations

import re
from collections.abc import Sequence
from unicodedata import east_asian_width

_SPACES = re.compile(r"[^\S\u00a0]+")  # any whitespace but the no-break space


def _width(text: str) -> int:
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def render(headers: Sequence[str], rows: Sequence[Sequence[object]], max_width: int = 60) -> str:
    """A table with a header rule; long cells are cut to ``max_width`` characters."""

    def cell(value: object) -> str:
        # runs of spaces and line breaks become one space; a no-break space (inside a number) stays
        text = "" if value is None else _SPACES.sub(" ", str(value)).strip(" ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    body = [[cell(v) for v in r] for r in rows]
    head = [cell(h) for h in headers]
    widths = [max([_width(h), *(_width(r[i]) for r in body)]) for i, h in enumerate(head)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    return "\n".join([line(head), line(["─" * w for w in widths]), *(line(r) for r in body)])
