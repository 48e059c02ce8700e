"""Files in, grids of cells out: one function for a browser upload and a path on disk.

``.xlsx``/``.xlsm``/``.xls``/``.ods`` are read with calamine (formula cells give their cached
values); ``.csv`` with encoding detection (UTF-8, UTF-8 with BOM, cp1251, cp1252) and delimiter
sniffing (``,`` ``;`` tab). A grid keeps the sheet exactly as the user sees it: row 0 is Excel
row 1, so error messages can name the row the user will look for.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import typing
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final

import fastexcel
import pyarrow as pa
import pyarrow.compute as pc
import python_calamine

from . import limits
from .cellmarks import NO_MARKS, Marks, unique_sheet_names, workbook_marks
from .issues import ReadError
from .normalise import header_key, known_header_keys

SPREADSHEET_EXTS: Final = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_EXTS: Final = (".csv", ".txt", ".tsv")
DELIMITERS: Final = (",", ";", "\t")
# files people upload by mistake, whatever their extension says: PDF, PNG, JPEG, GIF
NOT_SPREADSHEET_MAGIC: Final = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
HEADER_SCAN_ROWS: Final = 40  # how far down a sheet its header row is looked for

Source = str | Path | bytes | BinaryIO


@dataclass
class Grid:
    """One sheet (or one CSV file) as read."""

    file: str
    sheet: str | None
    rows: list[list[object]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    marks: Marks = NO_MARKS  # error values and percent-formatted cells (``loaders.cellmarks``)

    @property
    def place(self) -> str:
        """What the user calls this grid: the sheet name, or the file name for a CSV."""
        return self.sheet if self.sheet is not None else self.file

    @property
    def stem(self) -> str:
        return self.sheet if self.sheet is not None else Path(self.file).stem


@dataclass
class ColumnGrid:
    """One worksheet as columns of text (fastexcel), row ``i`` of each column being Excel row
    ``i + 1``; ``head`` is its first rows as cells, to find the header in. ``exact`` reads the
    same sheet cell by cell, as a ``Grid``, for when the columns leave a doubt or there is
    something to report (see ``loaders.columnar``)."""

    file: str
    sheet: str
    columns: list[pa.Array]
    height: int
    head: list[list[object]]
    exact: Callable[[], Grid]
    marks: Marks = NO_MARKS

    @property
    def place(self) -> str:
        return self.sheet

    @property
    def stem(self) -> str:
        return self.sheet


@dataclass(frozen=True)
class Loaded:
    """The bytes of one file and the name it was uploaded or saved under."""

    name: str
    data: bytes


def load(source: Source, name: str | None = None) -> Loaded:
    """Bytes and a display name from a path, bytes, or a file object (``st.file_uploader``)."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            return Loaded(name or path.name, path.read_bytes())
        except OSError as exc:
            raise ReadError("file_unreadable", file=name or path.name, reason=exc.strerror or str(exc)) from exc
    if isinstance(source, bytes):
        return Loaded(name or "upload", source)
    data = source.read()
    return Loaded(name or getattr(source, "name", None) or "upload", data)


def read_grids(
    source: Source | Loaded,
    name: str | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> list[Grid]:
    """Every sheet of a workbook, or the one grid of a CSV file."""
    return list(iter_grids(source, name, encoding=encoding, delimiter=delimiter))


def iter_grids(
    source: Source | Loaded,
    name: str | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Generator[Grid, None, None]:
    """``read_grids`` one sheet at a time: while the caller works on a sheet, the next one is
    already being read (calamine parses a sheet without holding the GIL, so on a machine with two
    cores reading and checking overlap). A file that cannot be opened fails before the first
    grid; a sheet that cannot be read fails where it comes."""
    loaded = source if isinstance(source, Loaded) else load(source, name)
    if not loaded.data:
        raise ReadError("file_empty", file=loaded.name)
    if _kind(loaded) == "csv":
        return _one(read_csv(loaded, encoding=encoding, delimiter=delimiter))
    limits.check_workbook(loaded.name, loaded.data, limits.active())
    loaded = Loaded(loaded.name, unique_sheet_names(loaded.data))
    return _prefetched(_open_workbook(loaded), loaded)


def iter_sheets(source: Source | Loaded, name: str | None = None) -> Iterator[Grid | ColumnGrid]:
    """What an import reads: an ``.xlsx``/``.xlsm`` workbook as columns (``ColumnGrid``), much
    faster than cell by cell; any other file, or a workbook fastexcel cannot open, as
    ``iter_grids`` gives it."""
    loaded = source if isinstance(source, Loaded) else load(source, name)
    if not loaded.data:
        raise ReadError("file_empty", file=loaded.name)
    if _kind(loaded) != "open_xml":
        yield from iter_grids(loaded)
        return
    bounds = limits.active()
    limits.check_workbook(loaded.name, loaded.data, bounds)
    loaded = Loaded(loaded.name, unique_sheet_names(loaded.data))
    book = _open_workbook(loaded)
    try:
        reader = fastexcel.read_excel(loaded.data)
    except Exception:  # calamine, cell by cell, says what is wrong with it
        yield from _prefetched(book, loaded)
        return
    for sheet, batch in _loaded_ahead(reader, _worksheets(book, loaded), bounds.rows + 1):
        if batch is None:  # fastexcel could not: read cell by cell, which reports what is wrong
            yield _read_sheet(book, loaded, sheet)
            continue
        columns = list(batch.columns)
        if batch.num_rows > bounds.rows:  # read only up to the limit: the message names the real last cell
            _check_real_extent(book, loaded, sheet, bounds)
        limits.check_extent(loaded.name, sheet.place, batch.num_rows, len(columns), bounds)
        longest = max((pc.max(pc.utf8_length(c)).as_py() or 0 for c in columns if len(c)), default=0)
        limits.check_cell_chars(loaded.name, sheet.place, longest, bounds)
        head_rows = min(batch.num_rows, HEADER_SCAN_ROWS)
        head = [list(r) for r in zip(*(c.slice(0, head_rows).to_pylist() for c in columns), strict=True)]
        yield ColumnGrid(
            loaded.name,
            sheet.place,
            columns,
            batch.num_rows,
            head,
            functools.partial(_read_sheet, book, loaded, sheet),
            sheet.marks,
        )


def _loaded_ahead(
    reader: fastexcel.ExcelReader, sheets: list[Sheet], n_rows: int
) -> Iterator[tuple[Sheet, pa.RecordBatch | None]]:
    """Each sheet with its columns as fastexcel reads them (None when it cannot), the next sheet
    being read on a worker thread while the caller checks this one: fastexcel releases the GIL,
    so on two cores reading and checking overlap. Only the worker touches ``reader``."""

    def read(sheet: Sheet) -> pa.RecordBatch | None:
        try:
            return reader.load_sheet(
                sheet.index, header_row=None, skip_rows=0, n_rows=n_rows, dtypes="string", eager=True
            )
        except Exception:
            return None

    if not sheets:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmo-read") as pool:
        ahead = pool.submit(read, sheets[0])
        for k, sheet in enumerate(sheets):
            batch = ahead.result()
            if k + 1 < len(sheets):
                ahead = pool.submit(read, sheets[k + 1])
            yield sheet, batch


def _check_real_extent(
    book: python_calamine.CalamineWorkbook, loaded: Loaded, sheet: Sheet, bounds: limits.Limits
) -> None:
    """The sheet's last cell as calamine finds it, against the limits (a sheet that is too long)."""
    try:
        end = book.get_sheet_by_index(sheet.index).end
    except Exception:  # the check below, on what fastexcel read, still refuses the sheet
        return
    if end is not None:
        limits.check_extent(loaded.name, sheet.place, end[0] + 1, end[1] + 1, bounds)


def _kind(loaded: Loaded) -> str:
    """ "open_xml" (.xlsx/.xlsm, what fastexcel reads best), "workbook" (any other spreadsheet
    calamine reads) or "csv"; a file that is none of them is refused."""
    ext = Path(loaded.name).suffix.casefold()
    head = loaded.data[:8]
    if head.startswith(NOT_SPREADSHEET_MAGIC):
        raise ReadError("not_a_spreadsheet", file=loaded.name)
    if head.startswith(b"PK"):
        names = _zip_names(loaded.data)
        if _is_other_document(names):
            raise ReadError("not_a_spreadsheet", file=loaded.name)
        return "open_xml" if "xl/workbook.xml" in names else "workbook"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "workbook"
    if ext in SPREADSHEET_EXTS:
        return "workbook"  # calamine will say what is wrong with it
    if ext in CSV_EXTS or _looks_like_text(loaded.data):
        return "csv"
    raise ReadError("not_a_spreadsheet", file=loaded.name)


def _zip_names(data: bytes) -> set[str]:
    """The files inside a zip; none for a damaged one (a damaged workbook: calamine says so)."""
    import zipfile

    try:
        return set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return set()


def _is_other_document(names: set[str]) -> bool:
    """A Word document or a presentation (also zip files), not a workbook."""
    return not names & {"xl/workbook.xml", "xl/workbook.bin", "content.xml"} and bool(
        names & {"word/document.xml", "ppt/presentation.xml"}
    )


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    return b"\x00" not in sample


_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAMS: Final = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def is_encrypted_ooxml(data: bytes) -> bool:
    """An ``.xlsx`` saved with a password to open: Excel wraps it in an OLE container holding an
    ``EncryptionInfo`` and an ``EncryptedPackage`` stream (calamine sees only a broken ``.xls``)."""
    return data.startswith(_OLE_MAGIC) and all(name in data for name in _ENCRYPTED_STREAMS)


def _open_workbook(loaded: Loaded) -> python_calamine.CalamineWorkbook:
    if is_encrypted_ooxml(loaded.data):
        raise ReadError("workbook_password", file=loaded.name)
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(loaded.data))
    except python_calamine.PasswordError as exc:
        raise ReadError("workbook_password", file=loaded.name) from exc
    except Exception as exc:  # calamine raises several error types for broken files
        if Path(loaded.name).suffix.casefold() in SPREADSHEET_EXTS or loaded.data[:2] == b"PK":
            raise ReadError("workbook_broken", file=loaded.name, reason=str(exc)) from exc
        raise ReadError("not_a_spreadsheet", file=loaded.name) from exc


def _read_sheet(book: python_calamine.CalamineWorkbook, loaded: Loaded, which: Sheet) -> Grid:
    """One sheet cell by cell, from A1 (so row ``i`` is Excel row ``i + 1``), within the limits:
    its last cell is checked before the grid up to it is made."""
    bounds = limits.active()
    sheet_name = which.place
    try:
        sheet = book.get_sheet_by_index(which.index)
    except Exception as exc:
        raise ReadError("workbook_broken", file=loaded.name, reason=str(exc)) from exc
    end = sheet.end
    if end is not None:
        limits.check_extent(loaded.name, sheet_name, end[0] + 1, end[1] + 1, bounds)
    try:
        rows = typing.cast(list[list[object]], sheet.to_python(skip_empty_area=False))
        merged = list(sheet.merged_cell_ranges or [])
    except Exception as exc:
        raise ReadError("workbook_broken", file=loaded.name, reason=str(exc)) from exc
    limits.check_cell_chars(loaded.name, sheet_name, _longest(rows), bounds)
    return Grid(loaded.name, sheet_name, rows, merged, which.marks)


def _longest(rows: list[list[object]]) -> int:
    """The length of the longest text cell."""
    return max((len(c) for r in rows for c in r if isinstance(c, str)), default=0)


def _one(grid: Grid) -> Generator[Grid, None, None]:
    yield grid


@dataclass(frozen=True)
class Sheet:
    """A worksheet: its position among all sheets, the name the user knows it by, and its
    marks, found when first asked for (``_worksheets`` has them read alongside the cells)."""

    index: int
    place: str
    found: Callable[[], Marks] = field(default=lambda: NO_MARKS)

    @property
    def marks(self) -> Marks:
        return self.found()


def _worksheets(book: python_calamine.CalamineWorkbook, loaded: Loaded) -> list[Sheet]:
    """The worksheets, in order (chart sheets hold no table), each read by its position. Their
    marks (``loaders.cellmarks``) are read from the sheets' XML on a thread of their own, while
    the cells are read (unzipping releases the GIL): that costs an import little wall time."""
    meta = list(book.sheets_metadata)
    if loaded.data[:2] != b"PK":
        return [Sheet(i, m.name) for i, m in enumerate(meta) if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmo-marks")
    ahead = pool.submit(workbook_marks, loaded.data)
    pool.shutdown(wait=False)

    def marks_of(i: int) -> Marks:
        marks = ahead.result()
        same = len(marks) == len(meta) and all(n == m.name for (n, _), m in zip(marks, meta, strict=True))
        return marks[i][1] if same else NO_MARKS

    return [
        Sheet(i, m.name, functools.partial(marks_of, i))
        for i, m in enumerate(meta)
        if m.typ == python_calamine.SheetTypeEnum.WorkSheet
    ]


def _prefetched(book: python_calamine.CalamineWorkbook, loaded: Loaded) -> Generator[Grid, None, None]:
    """The worksheets in order, each read on a worker thread one step ahead of the caller."""
    names = _worksheets(book, loaded)
    if not names:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmo-read") as pool:
        ahead = pool.submit(_read_sheet, book, loaded, names[0])
        for following in [*names[1:], None]:
            grid = ahead.result()  # a ReadError of that sheet surfaces here, in order
            if following is not None:
                ahead = pool.submit(_read_sheet, book, loaded, following)
            yield grid


# CSV ----------------------------------------------------------------------------------------

_CYRILLIC_1251 = re.compile(rb"[\xc0-\xff]{3,}")


def detect_encoding(data: bytes, name: str = "") -> str:
    """UTF-8 (with or without BOM) when it decodes; else cp1251 for Russian-locale Excel,
    told from cp1252 by runs of bytes that are Cyrillic letters in cp1251; a file whose lines
    are partly UTF-8 and partly not (two exports pasted together) is refused, naming a line of
    each: read in either encoding, some of its text would be stored garbled."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    mixed = _mixed_lines(data)
    if mixed is not None:
        raise ReadError("csv_mixed_encoding", file=name, utf8_line=str(mixed[0]), other_line=str(mixed[1]))
    high = sum(1 for b in data if b >= 0x80)
    cyr_runs = sum(len(m) for m in _CYRILLIC_1251.findall(data))
    return "cp1251" if high and cyr_runs / high > 0.5 else "cp1252"


def _mixed_lines(data: bytes) -> tuple[int, int] | None:
    """The first line that is UTF-8 with letters beyond ASCII and the first that is not UTF-8,
    when a file has both. (A line of Cyrillic in cp1251 is never valid UTF-8: its letters are
    bytes C0–FF, which UTF-8 allows only before continuation bytes 80–BF.)"""
    utf8_line = other_line = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or number
        except UnicodeDecodeError:
            other_line = other_line or number
        if utf8_line and other_line:
            return utf8_line, other_line
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter under which the first records show the most known column names, then split
    most consistently into equally long rows, then into the most fields."""
    known = known_header_keys()
    sample = text[:65536]
    best, best_score = ",", (-1, -1.0, -1)
    for delim in DELIMITERS:
        try:
            rows = [r for r, _ in zip(csv.reader(io.StringIO(sample), delimiter=delim), range(30), strict=False)]
        except csv.Error:
            continue
        rows = [r for r in rows if any(c.strip() for c in r)]
        if len(rows) > 1:
            rows = rows[:-1]  # the last sampled record may be cut off
        if not rows:
            continue
        widths = [len(r) for r in rows]
        common = max(set(widths), key=widths.count)
        if common < 2:
            continue
        recognised = max(sum(1 for c in r if header_key(c) in known) for r in rows)
        score = (recognised, round(widths.count(common) / len(widths), 2), common)
        if score > best_score:
            best, best_score = delim, score
    return best


def _decode(loaded: Loaded, encoding: str | None) -> str:
    """The text of a CSV file. Five bytes (81, 8D, 8F, 90, 9D) have no letter in cp1252; a
    file that holds one of them is Latin-1 (ISO-8859-1), which has a character for every byte."""
    enc = encoding or detect_encoding(loaded.data, loaded.name)
    try:
        return loaded.data.decode(enc)
    except UnicodeDecodeError as exc:
        if encoding is None and enc == "cp1252" and _rarely_undefined(loaded.data):
            return loaded.data.decode("latin-1")
        raise ReadError("csv_encoding", file=loaded.name, encoding=enc) from exc
    except LookupError as exc:
        raise ReadError("csv_encoding", file=loaded.name, encoding=enc) from exc


_CP1252_UNDEFINED: Final = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _rarely_undefined(data: bytes) -> bool:
    """A Western text with a stray byte cp1252 has no letter for (Latin-1 reads it), not text
    in another code page that uses those bytes for letters (DOS Cyrillic: Б, Н, П, Р, Э)."""
    high = [b for b in data if b >= 0x80]
    undefined = sum(1 for b in high if b in _CP1252_UNDEFINED)
    return undefined <= max(1, len(high) // 50)


def _unclosed_quote(text: str, delimiter: str, start_line: int) -> bool:
    """Whether the record that starts on ``start_line`` (1-based) opens a quote that is never
    closed: the csv module then reads the rest of the file into one cell without a word."""
    rest = "".join(text.splitlines(keepends=True)[start_line - 1 :])
    try:
        for _ in csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def read_csv(loaded: Loaded, *, encoding: str | None = None, delimiter: str | None = None) -> Grid:
    text = _decode(loaded, encoding)
    if "\x00" in text:
        raise ReadError("not_a_spreadsheet", file=loaded.name)
    delim = delimiter or sniff_delimiter(text)
    bounds = limits.active()
    # a field longer than the csv module's own limit stops the reader: make that limit ours
    csv.field_size_limit(max(csv.field_size_limit(), bounds.cell_chars + 1))
    rows: list[list[object]] = []
    width = 0
    record_start = 1  # the line the last record started on
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        while True:
            start = reader.line_num + 1
            record = next(reader, None)
            if record is None:
                break
            record_start = start
            rows.append(list(record))
            width = max(width, len(record))
            if len(rows) > bounds.rows:
                limits.check_extent(loaded.name, loaded.name, len(rows), width, bounds)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            limits.check_cell_chars(loaded.name, loaded.name, csv.field_size_limit() + 1, bounds)
        raise ReadError("csv_broken", file=loaded.name, reason=str(exc)) from exc
    if rows and any("\n" in str(c) or "\r" in str(c) for c in rows[-1]) and _unclosed_quote(text, delim, record_start):
        raise ReadError("csv_unclosed_quote", file=loaded.name, line=str(record_start))
    limits.check_extent(loaded.name, loaded.name, len(rows), width, bounds)
    limits.check_cell_chars(loaded.name, loaded.name, _longest(rows), bounds)
    return Grid(loaded.name, None, rows)
