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


#: the same, for identifiers and people's names, which must survive lists split at ``;`` and ``,``
HOSTILE_NAMES = (
    "<img src=x onerror=window.__pwned=1 id=pwn-img2>",
    "<b id=pwn-b>pwn</b>",
    "[pwn-link2](javascript:window.__pwned=1)",
    ":red[pwn-colour2]",
)


def hostile_demo_store(path: Path) -> Path:
    """The demo portfolio with markup in every text field: each free text gets a hostile string
    added, each identifier and person a hostile suffix (the same everywhere it appears, so the
    references and the meeting attendance still hold); imported through the real importer."""
    from loaders import store, template
    from loaders.access import open_demo
    from loaders.importer import import_files
    from loaders.reader import Loaded
    from loaders.schema import table_specs
    from pmo.cli import load_demo

    scratch = path.with_name(path.stem + "-scratch.duckdb")
    con = store.connect(scratch)
    load_demo(con)
    ids: dict[str, str] = {}
    people: dict[str, str] = {}

    def suffixed(value: str, memo: dict[str, str]) -> str:
        if value not in memo:
            memo[value] = f"{value}{HOSTILE_NAMES[len(memo) % len(HOSTILE_NAMES)]}"
        return memo[value]

    wb = template.build("en")
    counter = 0
    for table, spec in table_specs().items():
        frame = con.execute(f"SELECT * FROM {table}").df()
        rows: list[dict[str, object]] = []
        for record in frame.to_dict("records"):
            row: dict[str, object] = {}
            for f in spec.fields:
                value = record.get(f.name)
                if not isinstance(value, str) or f.kind != "text" or not value:
                    row[f.name] = None if value is None or value != value else value
                elif f.key or f.ref is not None or f.name.endswith("_id"):
                    row[f.name] = suffixed(value, ids)
                elif f.person or f.name in ("curator", "program_manager", "project_manager", "responsible", "owner"):
                    row[f.name] = suffixed(value, people)
                elif f.name == "attendees":
                    row[f.name] = "; ".join(
                        suffixed(p.strip(), people) for p in re.split(r"[;,\n]", value) if p.strip()
                    )
                else:
                    row[f.name] = f"{HOSTILE_TEXTS[counter % len(HOSTILE_TEXTS)]} {value}"  # markup starts the line
                    counter += 1
            rows.append(row)
        template.fill(wb, table, rows, "en")
    con.close()
    scratch.unlink()
    con = store.connect(path)
    plan, batch = import_files(con, [Loaded("hostile.xlsx", template.to_bytes(wb))], actor=open_demo("tester"))
    con.close()
    assert batch is not None, [i.message("en") for i in plan.issues if i.level == "error"][:5]
    return path
