"""Good files the way people really make them (tests/data/good): each imports without errors,
with exactly the values meant, and any warning names the Excel row the user will look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from loaders import store
from loaders.importer import ImportPlan, import_files
from loaders.reader import read_grids
from tests.builders import as_user

GOOD = Path(__file__).parent / "data" / "good"
D = dt.date


def _import(con: duckdb.DuckDBPyConnection, name: str) -> ImportPlan:
    plan, batch = import_files(con, [GOOD / name], actor=as_user("test"))
    assert [i for i in plan.issues if i.level == "error"] == [], [i.message("en") for i in plan.issues]
    assert batch == 2
    return plan


def _rows(con: duckdb.DuckDBPyConnection, table: str, columns: str, batch: int = 2) -> list[tuple[object, ...]]:
    """The rows ``batch`` wrote to ``table`` (``columns`` is a literal list from the test)."""
    sql = f"SELECT {columns} FROM {store.q(table)} WHERE _batch = ? ORDER BY ALL"
    return con.execute(sql, [batch]).fetchall()


def _warnings(plan: ImportPlan) -> list[tuple[str, str | None, int | None, str | None, str | None]]:
    return [(i.code, i.sheet, i.row, i.column, i.value) for i in plan.issues if i.level == "warning"]


def test_cp1251_semicolon_csv_with_russian_headers_and_values(baseline_con: duckdb.DuckDBPyConnection) -> None:
    plan = _import(baseline_con, "risks_cp1251.csv")
    assert _warnings(plan) == []
    assert _rows(
        baseline_con,
        "risks",
        "risk_id, project_id, title, category, probability, impact, priority, owner, identified_on, status",
    ) == [
        (
            "R-21",
            "P-01",
            "Задержка поставки серверов; срыв графика",
            "key",
            4,
            5,
            "high",
            "Иванов И.И.",
            D(2026, 3, 15),
            "open",
        ),
        ("R-22", "P-01", "Рост курса доллара", "macroeconomic", 2, 3, "medium", None, D(2026, 4, 1), "closed"),
    ]


def test_utf8_bom_csv_of_projects_with_quoted_commas_and_kazakh_status(baseline_con: duckdb.DuckDBPyConnection) -> None:
    plan = _import(baseline_con, "projects_utf8_bom.csv")
    assert _warnings(plan) == []
    assert _rows(baseline_con, "projects", "project_id, name, start_date, end_date, status, description") == [
        ("P-31", "Цифровой офис, этап 2", D(2026, 2, 1), D(2026, 12, 31), "execution", 'Пилот "под ключ"'),
        ("P-32", "Open data portal", D(2026, 3, 1), D(2027, 6, 30), "planning", None),
    ]


def test_utf8_bom_csv_with_comma_decimals_and_year_suffix(baseline_con: duckdb.DuckDBPyConnection) -> None:
    plan = _import(baseline_con, "budget_utf8_bom.csv")
    assert _warnings(plan) == []
    assert _rows(baseline_con, "budget", "project_id, year, funding_source, planned, spent") == [
        ("P-01", 2027, "republican_budget", 1234.5, 1000.25),
        ("P-01", 2028, "local_budget", 2500.0, None),
    ]


def test_tab_separated_team_with_share_read_as_percent(baseline_con: duckdb.DuckDBPyConnection) -> None:
    plan = _import(baseline_con, "team_tab.tsv")
    assert _warnings(plan) == [("share_as_percent", "team_tab.tsv", 3, "Allocation, %", "0,5")]
    warning = next(i for i in plan.issues if i.level == "warning")
    assert "«0,5» прочитано как доля: 50%" in warning.message("ru")
    assert _rows(baseline_con, "team", "project_id, person, role, allocation_pct, from_date, to_date") == [
        ("P-01", "John Smith", "team_member", 50.0, None, D(2026, 12, 31)),
        ("P-01", "Айгерім Сәрсенова", "analyst", 50.0, D(2026, 9, 1), None),
    ]


def test_titled_workbook_with_blank_rows_trailing_columns_and_formulas(baseline_con: duckdb.DuckDBPyConnection) -> None:
    grid = read_grids(GOOD / "budget_titled.xlsx")[0]
    assert (len(grid.rows), len(grid.rows[0]), grid.merged) == (12, 8, [((0, 0), (0, 5))])  # what is tested
    plan = _import(baseline_con, "budget_titled.xlsx")
    # the header is on Excel row 3, under a merged title and a subtitle
    assert _warnings(plan) == [("unknown_column", "Бюджет", 3, "Примечание", None)]
    assert list(plan.validation.tables["budget"]["_row"]) == [4, 6, 9]
    assert plan.diffs["budget"].counts.inserted == 3
    # planned and spent are formulas: their cached values are read
    assert _rows(baseline_con, "budget", "project_id, year, funding_source, planned, spent") == [
        ("P-01", 2027, "local_budget", 250.5, 125.25),
        ("P-01", 2027, "republican_budget", 1500.0, 600.0),
        ("P-01", 2028, "extra_budgetary", 1750.5, None),
    ]


def test_kazakh_headers_and_every_way_of_writing_a_date(baseline_con: duckdb.DuckDBPyConnection) -> None:
    plan = _import(baseline_con, "kk_dates.xlsx")
    assert _warnings(plan) == []
    # end dates typed as 23.11.2026, 23.11.26, an Excel serial, a date cell and 2026-11-23T00:00:00Z
    assert _rows(baseline_con, "projects", "project_id, start_date, end_date, status") == [
        ("P-41", D(2026, 2, 1), D(2026, 11, 23), "execution"),
        ("P-42", D(2026, 2, 1), D(2026, 11, 23), "planning"),
        ("P-43", D(2026, 2, 1), D(2026, 11, 23), "execution"),
        ("P-44", D(2026, 2, 1), D(2026, 11, 23), "completed"),
        ("P-45", D(2026, 2, 1), D(2026, 11, 23), "initiation"),
    ]


def test_quarter_labels_and_typed_numbers(baseline_con: duckdb.DuckDBPyConnection) -> None:
    plan = _import(baseline_con, "quarters.xlsx")
    assert _warnings(plan) == []
    # 2026-Q3, Q3 2026, 3 тоқсан 2026, 3 квартал 2026 are all the quarter's last day
    assert _rows(baseline_con, "indicator_values", "indicator_id, period_end, actual, comment") == [
        ("IND-01", D(2026, 9, 30), 1234.5, "тоқсан қорытындысы"),
        ("IND-02", D(2026, 9, 30), 85.0, None),
        ("IND-03", D(2026, 9, 30), 12.75, None),
        ("IND-04", D(2026, 9, 30), 40.0, None),
    ]
