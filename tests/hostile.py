"""Hostile inputs for the safety tests, made when needed (a zip bomb is not something to commit):
a workbook reaching cell XFD1048576, the same without its ``<dimension>``, a zip bomb (a valid
workbook whose sheet unpacks to over a gigabyte), and texts that would be markup if shown as such."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl

MB = 1024 * 1024

#: would run script, load a remote image, restyle the page or make a link if shown as markup;
#: every one carries "pwn" so a test can look for what it would have made
HOSTILE_TEXTS = (
    '<iframe srcdoc="<script>parent.__pwned=1</script>" id="pwn-iframe"></iframe>',
    '<img src="http://127.0.0.1:9/pwn.png" onerror="window.__pwned=1" id="pwn-img">',
    '<style id="pwn-style">body{background:#f00 !important}</style>',
    "[pwn-link](javascript:window.__pwned=1)",
    "# PWN heading",
    "![pwn-image](http://127.0.0.1:9/pwn-md.png)",
    '<a href="http://127.0.0.1:9/pwn-a">pwn-anchor</a>',
    ":red[pwn-colour] $pwn^2$",
)


def far_cell_xlsx(*, dimension: bool = True) -> bytes:
    """A 5 KB workbook whose only cell is XFD1048576 (a reader that makes the grid from A1 to it
    needs 17 billion cells); without ``dimension`` the sheet does not declare its extent."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Projects"
    ws["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if dimension:
        return data
    return _rewrite(data, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml))


def _rewrite(data: bytes, part: str, change: object) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == part:
                body = change(body)  # type: ignore[operator]
            dst.writestr(info.filename, body)
    return out.getvalue()


def zip_bomb_xlsx(path: Path, unpacked_mb: int = 1100, filler: bytes = b" ") -> Path:
    """A valid workbook (a Projects sheet with its header) whose sheet XML is padded with
    ``unpacked_mb`` of ``filler`` inside ``<sheetData>``: a file of about a megabyte."""
    if path.exists():
        return path
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Projects"
    ws.append(["project_id", "name", "start_date", "end_date"])
    buf = io.BytesIO()
    wb.save(buf)
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            body = src.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, body)
                continue
            head, tail = body.split(b"</sheetData>")
            entry = zipfile.ZipInfo(info.filename)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(entry, "w", force_zip64=True) as fh:
                fh.write(head)
                blanks = filler * (MB // len(filler))
                for _ in range(unpacked_mb):
                    fh.write(blanks)
                fh.write(b"</sheetData>" + tail)
    return path
