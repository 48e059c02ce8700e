"""Plain-text tables for the terminal."""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Sequence
from typing import TextIO
from unicodedata import east_asian_width

_SPACES = re.compile(r"[^\S\u00a0]+")  # any whitespace but the no-break space
GAP = "  "
#: a wrapped column keeps at least this many characters, however narrow the terminal
MIN_WRAP = 16


def _width(text: str) -> int:
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def terminal_width(out: TextIO) -> int | None:
    """The width a table written to ``out`` should keep to: ``COLUMNS`` when set, else the width
    of the terminal ``out`` is; None when ``out`` is no terminal (a file, a pipe): no limit."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(out.fileno()).columns if out.isatty() else None
    except (OSError, ValueError):  # no file descriptor (a StringIO), or a closed one
        return None


def _shares(natural: Sequence[int], floor: Sequence[int], room: int) -> list[int]:
    """Widths of the wrapped columns in ``room`` characters: their natural widths when they fit;
    else the last (the main one: the reason) takes what the others leave, and they leave most of
    it (a third of the room each at most), none going below its ``floor``."""
    if sum(natural) <= room:
        return list(natural)
    widths = [max(f, min(n, room // 3)) for n, f in zip(natural[:-1], floor[:-1], strict=True)]
    return [*widths, max(floor[-1], room - sum(widths))]


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    max_width: int = 60,
    *,
    wrap: Sequence[int] = (),
    width: int | None = None,
) -> str:
    """A table with a header rule; long cells are cut to ``max_width`` characters, except in the
    columns ``wrap``, which are never cut: their text is wrapped so each line fits in ``width``
    characters (the terminal's), or kept on one line when ``width`` is None."""

    def cell(value: object, limit: int | None = max_width) -> str:
        # runs of spaces and line breaks become one space; a no-break space (inside a number) stays
        text = "" if value is None else _SPACES.sub(" ", str(value)).strip(" ")
        return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"

    def cells(values: Sequence[object]) -> list[str]:
        return [cell(v, None if i in wrap else max_width) for i, v in enumerate(values)]

    body = [cells(r) for r in rows]
    head = cells(headers)
    widths = [max([_width(h), *(_width(r[i]) for r in body)]) for i, h in enumerate(head)]
    if wrap and width is not None:
        fixed = sum(w for i, w in enumerate(widths) if i not in wrap) + len(GAP) * (len(widths) - 1)
        floor = [max(_width(head[i]), min(widths[i], MIN_WRAP)) for i in wrap]
        for i, w in zip(wrap, _shares([widths[i] for i in wrap], floor, width - fixed), strict=True):
            widths[i] = w

    def lines(values: Sequence[str]) -> list[str]:
        """One row: a wrapped cell's lines below each other, the other cells on the first."""
        parts = [
            textwrap.wrap(v, widths[i]) if i in wrap and _width(v) > widths[i] else [v] for i, v in enumerate(values)
        ]
        out = []
        for n in range(max(len(p) for p in parts)):
            line = [p[n] if n < len(p) else "" for p in parts]
            out.append(GAP.join(v + " " * (w - _width(v)) for v, w in zip(line, widths, strict=True)).rstrip())
        return out

    rule = ["─" * w for w in widths]
    return "\n".join([*lines(head), *lines(rule), *(line for r in body for line in lines(r))])
