"""The Excel template in kk, ru or en: a sheet per table, an instructions sheet, drop-downs.

The template is made from the same schema and catalog the importer reads, so a template filled
in by hand imports without edits. ``fill`` writes rows into it (the demo portfolio uses it).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from i18n import t

from .normalise import enum_labels
from .schema import ENUM_CATALOG, FieldSpec, TableSpec, table_specs

DATE_FORMAT: Final = "DD.MM.YYYY"
PREFORMATTED_ROWS: Final = 500
HEADER_FILL: Final = PatternFill("solid", start_color="1F4E79")
REQUIRED_FILL: Final = PatternFill("solid", start_color="C00000")
HEADER_FONT: Final = Font(bold=True, color="FFFFFF")
THIN: Final = Side(style="thin", color="BFBFBF")


def header_text(table: str, f: FieldSpec, lang: str) -> str:
    """The header the template shows: the column label, ``*`` when required."""
    label = t(f"col.{table}.{f.name}", lang)
    return f"{label} *" if f.required else label


def _width(text: str) -> float:
    return min(max(12.0, len(text) * 1.1 + 2), 48.0)


def build(lang: str) -> Workbook:
    """An empty template in ``lang``."""
    wb = Workbook()
    instructions = wb.active
    assert instructions is not None
    instructions.title = t("template.instructions_sheet", lang)
    lists = wb.create_sheet(t("template.lists_sheet", lang))
    list_ranges = _write_lists(lists, lang)
    lists.sheet_state = "hidden"
    for spec in table_specs().values():
        _table_sheet(wb, spec, lang, list_ranges)
    _write_instructions(instructions, lang)
    wb.move_sheet(lists, offset=len(wb.sheetnames))
    fixed = dt.datetime(2026, 1, 1)
    wb.properties.creator = "pmo"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    return wb


def _write_lists(ws: Worksheet, lang: str) -> dict[str, str]:
    """One column per enum; returns enum section -> absolute range for data validation."""
    ranges = {}
    for j, (enum, section) in enumerate(ENUM_CATALOG.items(), start=1):
        labels = enum_labels(enum, lang)
        ws.cell(1, j, section)
        for i, label in enumerate(labels, start=2):
            ws.cell(i, j, label)
        col = get_column_letter(j)
        ranges[section] = f"'{ws.title}'!${col}$2:${col}${len(labels) + 1}"
    return ranges


def _table_sheet(wb: Workbook, spec: TableSpec, lang: str, list_ranges: Mapping[str, str]) -> Worksheet:
    ws: Worksheet = wb.create_sheet(t(f"table.{spec.name}", lang))
    last = PREFORMATTED_ROWS + 1
    for j, f in enumerate(spec.fields, start=1):
        text = header_text(spec.name, f, lang)
        cell = ws.cell(1, j, text)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if f.required else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = Border(bottom=THIN)
        cell.comment = Comment(t(f"colhelp.{spec.name}.{f.name}", lang), "pmo", width=300, height=120)
        col = get_column_letter(j)
        ws.column_dimensions[col].width = _width(text)
        area = f"{col}2:{col}{last}"
        if f.kind == "date":
            for row in range(2, last + 1):
                ws.cell(row, j).number_format = DATE_FORMAT
            dv = DataValidation(
                type="date",
                operator="greaterThan",
                formula1="DATE(1950,1,1)",
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle=t("template.date_error_title", lang),
                error=t("template.date_error", lang),
            )
            dv.add(area)
            ws.add_data_validation(dv)
        elif f.kind == "enum" and f.enum is not None:
            dv = DataValidation(
                type="list",
                formula1=f"={list_ranges[ENUM_CATALOG[f.enum]]}",
                allow_blank=not f.required,
                showErrorMessage=True,
                errorTitle=t("template.list_error_title", lang),
                error=t("template.list_error", lang),
            )
            dv.add(area)
            ws.add_data_validation(dv)
        elif f.kind in ("number", "integer") and f.ge is not None and f.le is not None:
            low, high = _num(f.ge), _num(f.le)
            dv = DataValidation(
                type="whole" if f.kind == "integer" else "decimal",
                operator="between",
                formula1=low,
                formula2=high,
                showErrorMessage=True,
                errorStyle="warning" if f.percent else "stop",
                errorTitle=t("template.range_error_title", lang),
                error=t("template.range_error", lang, low=low, high=high),
            )
            dv.add(area)
            ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(spec.fields))}1"
    return ws


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _write_instructions(ws: Worksheet, lang: str) -> None:
    ws["A1"] = t("template.title", lang)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = t("template.intro", lang)
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:E2")
    ws.row_dimensions[2].height = 90
    heads = ["sheet", "column", "required", "meaning", "allowed"]
    for j, h in enumerate(heads, start=1):
        c = ws.cell(4, j, t(f"template.{h}", lang))
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
    row = 5
    for spec in table_specs().values():
        sheet = t(f"table.{spec.name}", lang)
        ws.cell(row, 1, sheet).font = Font(bold=True)
        ws.cell(row, 4, t(f"table_help.{spec.name}", lang)).font = Font(italic=True)
        row += 1
        for f in spec.fields:
            ws.cell(row, 1, sheet)
            ws.cell(row, 2, t(f"col.{spec.name}.{f.name}", lang))
            ws.cell(row, 3, t("template.yes" if f.required else "template.no", lang))
            ws.cell(row, 4, t(f"colhelp.{spec.name}.{f.name}", lang)).alignment = Alignment(wrap_text=True)
            if f.enum is not None:
                allowed = ", ".join(enum_labels(f.enum, lang))
                ws.cell(row, 5, allowed).alignment = Alignment(wrap_text=True)
            row += 1
    for col, width in zip("ABCDE", (22, 34, 12, 70, 50), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A5"


def _cell_value(f: FieldSpec, value: object, lang: str) -> Any:
    if value is None:
        return None
    if f.enum is not None:
        return t(f"enum.{ENUM_CATALOG[f.enum]}.{value}", lang)
    return value


def fill(wb: Workbook, table: str, rows: Iterable[Mapping[str, object]], lang: str) -> None:
    """Append ``rows`` (field -> value; enums as keys) to ``table``'s sheet, in ``lang``."""
    spec = table_specs()[table]
    ws = wb[t(f"table.{table}", lang)]
    next_row = 2
    while ws.cell(next_row, 1).value not in (None, ""):
        next_row += 1
    for r in rows:
        for j, f in enumerate(spec.fields, start=1):
            value = _cell_value(f, r.get(f.name), lang)
            cell = ws.cell(next_row, j, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, not a formula (as typed after an apostrophe)
            if f.kind == "date":
                cell.number_format = DATE_FORMAT
        next_row += 1


def to_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes, identical for identical content (fixed zip timestamps)."""
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    # not wb.save(): that stamps the wall-clock time into docProps/core.xml (dcterms:modified)
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    raw.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write(path: str | Path, lang: str) -> Path:
    """Save an empty template in ``lang`` to ``path``."""
    target = Path(path)
    target.write_bytes(to_bytes(build(lang)))
    return target
