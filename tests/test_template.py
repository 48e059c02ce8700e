"""The Excel template: written by ``pmo template``, filled in by hand, imported without a word."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from i18n import LANGS, t
from loaders import store
from loaders.importer import import_files
from loaders.normalise import enum_labels
from loaders.schema import ENUM_CATALOG, table_specs
from pmo.cli import main
from tests.builders import as_user


def write_template(tmp_path: Path, lang: str) -> Path:
    out = tmp_path / f"template_{lang}.xlsx"
    buf = io.StringIO()
    assert main(["template", "--lang", lang, str(out)], out=buf) == 0
    assert str(out) in buf.getvalue()
    return out


@pytest.fixture(scope="module", params=LANGS)
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def template_file(lang: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp(f"template_{lang}"), lang)


def _list_values(wb: Workbook, formula: str) -> list[object]:
    """The cells a list validation points at, e.g. ``='Lists'!$F$2:$F$3``."""
    sheet, cells = formula.lstrip("=").rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[cells.replace("$", "")] for c in row]


def test_template_layout(template_file: Path, lang: str) -> None:
    wb = load_workbook(template_file)
    assert wb.sheetnames[0] == t("template.instructions_sheet", lang)
    table_sheets = [t(f"table.{name}", lang) for name in table_specs()]
    assert wb.sheetnames[1 : 1 + len(table_sheets)] == table_sheets
    assert wb[t("template.lists_sheet", lang)].sheet_state == "hidden"

    for name, spec in table_specs().items():
        ws: Worksheet = wb[t(f"table.{name}", lang)]
        headers = [c.value for c in ws[1]]
        expected = [t(f"col.{name}.{f.name}", lang) + (" *" if f.required else "") for f in spec.fields]
        assert headers == expected
        assert ws.freeze_panes == "A2"
        validations = {
            str(cells).split(":")[0]: dv for dv in ws.data_validations.dataValidation for cells in dv.sqref.ranges
        }
        for j, f in enumerate(spec.fields, start=1):
            col = get_column_letter(j)
            if f.kind == "enum":
                assert f.enum is not None
                dv = validations.get(f"{col}2")
                assert dv is not None and dv.type == "list", (name, f.name)
                assert _list_values(wb, str(dv.formula1)) == enum_labels(f.enum, lang)
            if f.kind == "date":
                assert is_date_format(ws.cell(2, j).number_format), (name, f.name)
                assert is_date_format(ws.cell(400, j).number_format)
            else:
                assert not is_date_format(ws.cell(2, j).number_format), (name, f.name)


# --------------------------------------------------------------------------------------------
# Filled in by hand


Typed = str | float | dt.date | None  # what a user types into a cell (int is a float to mypy)


def _type_rows(ws: Worksheet, table: str, lang: str, rows: list[dict[str, Typed]]) -> None:
    """Type values under the headers the user sees (found by their label, not their position)."""
    by_label = {str(c.value).removesuffix(" *"): c.column for c in ws[1]}
    for i, row in enumerate(rows, start=2):
        for field, value in row.items():
            column = by_label[t(f"col.{table}.{field}", lang)]
            assert column is not None  # a cell of a worksheet row always knows its column
            ws.cell(i, column, value)


def _label(enum_section: str, value: str, lang: str) -> str:
    return t(f"enum.{enum_section}.{value}", lang)


def fill_by_hand(wb: Workbook, lang: str) -> None:
    def e(section: str, value: str) -> str:
        return _label(section, value, lang)

    def sheet(table: str) -> Worksheet:
        return wb[t(f"table.{table}", lang)]

    _type_rows(
        sheet("projects"),
        "projects",
        lang,
        [
            {
                "project_id": "KGD-01",
                "name": "Электронды декларация",
                "program": "Цифрлық кеден",
                "project_manager": "Омаров  Бауыржан",
                "start_date": dt.date(2026, 1, 15),
                "end_date": "23.11.2026",
                "status": e("project_status", "execution"),
                "approved_on": dt.date(2025, 12, 20),
            },
            {
                "project_id": "KGD-02",
                "name": "Risk engine",
                "start_date": "01.03.2026",
                "end_date": dt.date(2027, 6, 30),
                "status": e("project_status", "planning"),
            },
        ],
    )
    _type_rows(
        sheet("indicators"),
        "indicators",
        lang,
        [
            {
                "indicator_id": "TI-1",
                "project_id": "KGD-01",
                "name": "Share of e-declarations",
                "kind": e("indicator_kind", "target_indicator"),
                "unit": "%",
                "baseline": 40,
                "target": 95,
                "deadline": dt.date(2026, 12, 31),
                "criterion": e("criterion", "transparency"),
            },
            {
                "indicator_id": "KPI-1",
                "project_id": "KGD-01",
                "name": "Declaration processing time",
                "kind": e("indicator_kind", "kpi"),
                "parent_id": "TI-1",
                "unit": "h",
                "baseline": 24,
                "target": 4,
                "direction": e("direction", "decrease"),
                "deadline": "30.09.2026",
                "weight": 2,
            },
        ],
    )
    _type_rows(
        sheet("indicator_values"),
        "indicator_values",
        lang,
        [
            {"indicator_id": "TI-1", "period_end": dt.date(2026, 3, 31), "actual": 52},
            {"indicator_id": "TI-1", "period_end": "2026-Q2", "actual": 61.5, "comment": "ok"},
            {"indicator_id": "KPI-1", "period_end": "30.06.2026", "actual": 12},
        ],
    )
    _type_rows(
        sheet("activities"),
        "activities",
        lang,
        [
            {
                "activity_id": "A-1",
                "project_id": "KGD-01",
                "name": "Requirements",
                "planned_start": dt.date(2026, 1, 15),
                "planned_end": "31.03.2026",
                "actual_end": dt.date(2026, 3, 28),
                "status": e("activity_status", "done"),
                "percent_complete": "100%",
            },
            {
                "activity_id": "A-2",
                "project_id": "KGD-01",
                "name": "Pilot",
                "planned_end": dt.date(2026, 9, 30),
                "status": e("activity_status", "in_progress"),
                "percent_complete": "50%",
                "indicator_id": "KPI-1",
            },
        ],
    )
    _type_rows(
        sheet("risks"),
        "risks",
        lang,
        [
            {
                "risk_id": "R-1",
                "project_id": "KGD-01",
                "title": "Vendor delay",
                "category": e("risk_category", "key"),
                "probability": 4,
                "impact": 5,
                "priority": e("priority", "high"),
                "owner": "Омаров Бауыржан",
                "identified_on": "10.01.2026",
                "last_reviewed_on": dt.date(2026, 3, 1),
                "status": e("risk_status", "open"),
            },
            {
                "risk_id": "R-2",
                "project_id": "KGD-02",
                "title": "Exchange rate",
                "category": e("risk_category", "macroeconomic"),
                "probability": 2,
                "impact": 3,
                "status": e("risk_status", "closed"),
            },
        ],
    )
    _type_rows(
        sheet("team"),
        "team",
        lang,
        [
            {
                "project_id": "KGD-01",
                "person": "Омаров Бауыржан",
                "role": e("role", "project_manager"),
                "allocation_pct": "50%",
                "from_date": "15.01.2026",
            },
            {"project_id": "KGD-01", "person": "Сейтова Дана", "role": e("role", "analyst"), "allocation_pct": 100},
        ],
    )
    _type_rows(
        sheet("meetings"),
        "meetings",
        lang,
        [
            {
                "meeting_id": "M-1",
                "project_id": "KGD-01",
                "type": e("meeting_type", "quarterly_report"),
                "date": dt.date(2026, 3, 31),
                "duration_min": 120,
                "attendees": "Омаров Бауыржан; Сейтова Дана",
                "teams_presented": 6,
            },
            {
                "meeting_id": "M-2",
                "project_id": "KGD-01",
                "type": e("meeting_type", "daily"),
                "date": "23.11.2026",
                "duration_min": 15,
            },
        ],
    )
    _type_rows(
        sheet("budget"),
        "budget",
        lang,
        [
            {
                "project_id": "KGD-01",
                "year": 2026,
                "funding_source": e("funding_source", "republican_budget"),
                "planned": 150000,
                "spent": 42000.5,
            }
        ],
    )


def test_filled_template_imports_cleanly(template_file: Path, lang: str, tmp_path: Path) -> None:
    wb = load_workbook(template_file)
    fill_by_hand(wb, lang)
    filled = tmp_path / f"filled_{lang}.xlsx"
    wb.save(filled)

    con = store.connect(tmp_path / "pmo.duckdb")
    try:
        plan, batch = import_files(con, [filled], actor=as_user("coordinator"))
        assert [i.message("en") for i in plan.issues] == []
        assert batch == 1
        counts = {name: d.counts.inserted for name, d in plan.diffs.items()}
        assert counts == {
            "projects": 2,
            "indicators": 2,
            "indicator_values": 3,
            "activities": 2,
            "risks": 2,
            "team": 2,
            "meetings": 2,
            "budget": 1,
        }

        def rows(sql: str) -> list[tuple[object, ...]]:
            return con.execute(sql).fetchall()

        assert rows("SELECT project_id, status, start_date, end_date, project_manager FROM projects ORDER BY 1") == [
            ("KGD-01", "execution", dt.date(2026, 1, 15), dt.date(2026, 11, 23), "Омаров Бауыржан"),
            ("KGD-02", "planning", dt.date(2026, 3, 1), dt.date(2027, 6, 30), None),
        ]
        assert rows(
            "SELECT indicator_id, kind, direction, weight, criterion, deadline, parent_id FROM indicators ORDER BY 1"
        ) == [
            ("KPI-1", "kpi", "decrease", 2.0, None, dt.date(2026, 9, 30), "TI-1"),
            ("TI-1", "target_indicator", "increase", 1.0, "transparency", dt.date(2026, 12, 31), None),
        ]
        assert rows("SELECT indicator_id, period_end, actual FROM indicator_values ORDER BY 1, 2") == [
            ("KPI-1", dt.date(2026, 6, 30), 12.0),
            ("TI-1", dt.date(2026, 3, 31), 52.0),
            ("TI-1", dt.date(2026, 6, 30), 61.5),
        ]
        assert rows("SELECT activity_id, status, percent_complete, planned_end FROM activities ORDER BY 1") == [
            ("A-1", "done", 100.0, dt.date(2026, 3, 31)),
            ("A-2", "in_progress", 50.0, dt.date(2026, 9, 30)),
        ]
        assert rows("SELECT risk_id, category, priority, status, identified_on FROM risks ORDER BY 1") == [
            ("R-1", "key", "high", "open", dt.date(2026, 1, 10)),
            ("R-2", "macroeconomic", None, "closed", None),
        ]
        assert rows("SELECT person, role, allocation_pct, from_date FROM team ORDER BY 1") == [
            ("Омаров Бауыржан", "project_manager", 50.0, dt.date(2026, 1, 15)),
            ("Сейтова Дана", "analyst", 100.0, None),
        ]
        assert rows("SELECT meeting_id, type, date, duration_min, teams_presented FROM meetings ORDER BY 1") == [
            ("M-1", "quarterly_report", dt.date(2026, 3, 31), 120.0, 6),
            ("M-2", "daily", dt.date(2026, 11, 23), 15.0, 1),
        ]
        assert rows("SELECT year, funding_source, planned, spent FROM budget") == [
            (2026, "republican_budget", 150000.0, 42000.5)
        ]
    finally:
        con.close()


def test_every_enum_has_a_drop_down_list_in_every_language() -> None:
    for lang in LANGS:
        for enum in ENUM_CATALOG:
            labels = enum_labels(enum, lang)
            assert len(labels) == len(set(labels)) == len(enum), (enum.__name__, lang)
