"""JSON for programs (``pmo report``, ``pmo import --issues-format json``): always valid JSON.

``orjson`` writes the same bytes as ``json.dump(data, ensure_ascii=False, indent=2)`` plus a
newline, some twenty times faster, with two differences: a non-finite number (``inf``, ``nan``),
which JSON has no word for, becomes ``null`` where ``json`` wrote ``Infinity`` or ``NaN`` and broke
every reader; and a number below 0.0001 is written ``0.00005`` where ``json`` wrote ``5e-05``.
"""

from __future__ import annotations

import codecs
from typing import Final, TextIO

import orjson

OPTIONS: Final = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def dumps(data: object) -> bytes:
    """``data`` as indented UTF-8 JSON, ending with a newline."""
    return orjson.dumps(data, option=OPTIONS)


def write_json(data: object, out: TextIO) -> None:
    """``data`` as indented JSON on ``out``: straight to its bytes when it writes UTF-8 (standard
    output), else as text (a ``StringIO`` in a test)."""
    raw = dumps(data)
    buffer = getattr(out, "buffer", None)
    if buffer is None or codecs.lookup(out.encoding or "ascii").name != "utf-8":
        out.write(raw.decode())
        return
    out.flush()  # what was written as text goes first
    buffer.write(raw)
