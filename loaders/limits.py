"""How much an uploaded file may ask of the server, and the checks made before and after reading it.

A workbook is a zip of XML parts: a 4 KB file can declare a sheet reaching cell XFD1048576 or a
part that unpacks to gigabytes. So before a sheet is read, its size as declared (the zip's
directory, the sheet's ``<dimension>``) is compared with the limits, and after it is read, its
real size; each limit, when hit, is named in the message. What the checks cannot see (a zip that
lies about its sizes, a reader that loops) is caught by the child process the file is read in
(``loaders.sandbox``: address space, CPU time, output size).

The limits are settings (``metrics.settings``, theme "import"); the defaults suit a ministry.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from typing import Final

from .issues import ReadError

MB: Final = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one uploaded file may take; each field is a setting of the same name (``import_*``)."""

    file_mb: float = 50  # bytes of one file
    rows: int = 500_000  # rows of one sheet (or CSV)
    cells: int = 20_000_000  # rows × columns of one sheet
    cell_chars: int = 32_767  # characters of one cell (Excel's own maximum)
    unzipped_mb: float = 1_000  # a workbook's parts, unpacked
    memory_mb: int = 2_048  # what reading one file may allocate
    cpu_seconds: int = 120  # CPU time of reading one file
    output_mb: int = 1_024  # what the reader may hand back (the parsed tables)

    @property
    def wall_seconds(self) -> float:
        """The reader is stopped after this long even if it is not using the CPU."""
        return self.cpu_seconds * 2 + 10


#: the settings that hold the limits (``metrics.settings`` lists them with their ranges)
SETTING_PREFIX: Final = "import_"


def from_settings(values: dict[str, float]) -> Limits:
    """The limits in force, from the stored settings (``import_<field>``) over the defaults."""
    base = Limits()
    changed = {}
    for f in fields(Limits):
        value = values.get(SETTING_PREFIX + f.name)
        if value is not None:
            changed[f.name] = type(getattr(base, f.name))(value)
    return replace(base, **changed)


_ACTIVE: ContextVar[Limits] = ContextVar("pmo_limits", default=Limits())  # noqa: B039 - frozen


def active() -> Limits:
    """The limits of the reading under way (the defaults unless ``using`` says otherwise)."""
    return _ACTIVE.get()


@contextmanager
def using(limits: Limits) -> Iterator[None]:
    token = _ACTIVE.set(limits)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _mb(n: float) -> float:
    """Megabytes, rounded as a person would say them (one decimal below 10 MB): a number, written
    in the reader's language when the message is made (``loaders.issues``)."""
    return round(n / MB, 0 if n >= 10 * MB else 1 if n >= MB else 2)


def check_size(name: str, size: int, limits: Limits) -> None:
    """A file larger than ``file_mb`` is refused before anything reads it."""
    if size > limits.file_mb * MB:
        raise ReadError("limit_file_mb", file=name, size=_mb(size), limit=float(limits.file_mb))


# --------------------------------------------------------------------------------------------
# A workbook's declared sizes

# a sheet entry and a relationship, with or without a namespace prefix, attributes in any order
_SHEET_ENTRY = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"', re.S)
_SHEET_ENTRY_REV = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"', re.S)
_REL = re.compile(r'<(?:\w+:)?Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"', re.S)
_REL_REV = re.compile(r'<(?:\w+:)?Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"', re.S)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"')
_HEAD_BYTES: Final = 64 * 1024  # the <dimension> element comes before the cells


def column_number(letters: str) -> int:
    """``A`` → 1, ``XFD`` → 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def column_letter(number: int) -> str:
    """1 → ``A``, 27 → ``AA``: a column as Excel names it."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def sheet_parts(book: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, its worksheet part in the zip), in the workbook's order, from the workbook
    and its relationships; none when they cannot be read."""
    try:
        workbook = book.read("xl/workbook.xml")[: 4 * MB].decode("utf-8", "replace")
        rels = book.read("xl/_rels/workbook.xml.rels")[: 4 * MB].decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return []
    targets = dict(_REL.findall(rels)) | {i: t for t, i in _REL_REV.findall(rels)}
    found = [(m.start(), m.group(1), m.group(2)) for m in _SHEET_ENTRY.finditer(workbook)]
    found += [(m.start(), m.group(2), m.group(1)) for m in _SHEET_ENTRY_REV.finditer(workbook)]
    out = []
    for _, name, rid in sorted(found):
        target = targets.get(rid)
        if target:
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out.append((_unescape(name), part))
    return out


def check_workbook(name: str, data: bytes, limits: Limits) -> None:
    """A zipped workbook's parts unpacked, and each sheet's declared last cell, within the limits."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        entries = book.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return  # not a zip the checks can read: the reader will say what is wrong with it
    unpacked = sum(max(e.file_size, 0) for e in entries)
    if unpacked > limits.unzipped_mb * MB:
        raise ReadError("limit_unzipped_mb", file=name, size=_mb(unpacked), limit=float(limits.unzipped_mb))
    parts = {part: sheet for sheet, part in sheet_parts(book)}
    for entry in entries:
        if not (entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")):
            continue
        try:
            with book.open(entry) as fh:
                head = fh.read(_HEAD_BYTES)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
            continue
        m = _DIMENSION.search(head)
        if m is None:
            continue
        last_col = m.group(3) or m.group(1)
        last_row = m.group(4) or m.group(2)
        check_extent(
            name, parts.get(entry.filename, entry.filename), int(last_row), column_number(last_col.decode()), limits
        )


def cell_name(rows: int, columns: int) -> str:
    """The name of the last cell of a ``rows`` × ``columns`` sheet (``XFD1048576``)."""
    return f"{column_letter(columns) or 'A'}{rows}"


def check_extent(name: str, sheet: str, rows: int, columns: int, limits: Limits) -> None:
    """A sheet reaching row ``rows`` and column ``columns`` (1-based) is within the limits."""
    if rows > limits.rows:
        raise ReadError(
            "limit_rows", file=name, sheet=sheet, cell=cell_name(rows, columns), rows=_n(rows), limit=_n(limits.rows)
        )
    if rows * columns > limits.cells:
        raise ReadError(
            "limit_cells",
            file=name,
            sheet=sheet,
            cell=cell_name(rows, columns),
            cells=_n(rows * columns),
            limit=_n(limits.cells),
        )


def check_cell_chars(name: str, sheet: str, longest: int, limits: Limits) -> None:
    if longest > limits.cell_chars:
        raise ReadError("limit_cell_chars", file=name, sheet=sheet, chars=_n(longest), limit=_n(limits.cell_chars))


def _n(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")
