"""Files that used to load a value other than the one the user meant, without a word
(tests/data/misread, written by tests/data/make_bad_files.py).

Each now loads what the user sees, or refuses, and every reading that could be wrong is a
warning naming the sheet, the Excel row, the column as written and the cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from i18n import LANGS
from loaders.importer import ImportPlan, import_files, prepare
from loaders.reader import detect_encoding, read_grids
from tests.builders import as_user

MISREAD = Path(__file__).parent / "data" / "misread"
D = dt.date


def _import(con: duckdb.DuckDBPyConnection, name: str) -> ImportPlan:
    plan, batch = import_files(con, [MISREAD / name], actor=as_user("test"))
    assert [i for i in plan.issues if i.level == "error"] == [], [i.message("en") for i in plan.issues]
    assert batch is not None
    return plan


def _warnings(plan: ImportPlan) -> list[tuple[str, str | None, int | None, str | None, str | None]]:
    return [(i.code, i.sheet, i.row, i.column, i.value) for i in plan.issues if i.level == "warning"]


def _said(plan: ImportPlan, lang: str) -> list[str]:
    return [i.message(lang) for i in plan.issues if i.level == "warning"]


def _no_placeholders(plan: ImportPlan) -> None:
    for lang in LANGS:
        for text in _said(plan, lang):
            assert "{" not in text and "}" not in text, text


def test_a_percent_formatted_number_in_a_plain_column_is_read_as_excel_shows_it(
    baseline_con: duckdb.DuckDBPyConnection,
) -> None:
    """Excel shows 63.5 %; the cell holds 0.635. The indicator's actual is 63.5, not 0.635."""
    plan = _import(baseline_con, "percent_format_actual.xlsx")

    assert _warnings(plan) == [("percent_format", "Indicator values", 2, "Actual", "0.635")]
    assert "в Excel видно 63,5%, так и прочитано: 63,5" in _said(plan, "ru")[0]
    assert "Excel shows 63.5%, and 63.5 is what was read" in _said(plan, "en")[0]
    _no_placeholders(plan)
    got = baseline_con.execute(
        "SELECT actual FROM indicator_values WHERE indicator_id = 'IND-01' AND period_end = DATE '2026-09-30'"
    ).fetchall()
    assert got == [(63.5,)]


def test_a_percent_formatted_share_in_a_percent_column_is_read_as_shown_without_advice(
    baseline_con: duckdb.DuckDBPyConnection,
) -> None:
    """A cell that already shows 20 % gets no advice to "add the percent sign"."""
    plan = _import(baseline_con, "percent_format_allocation.xlsx")

    assert _warnings(plan) == []
    got = baseline_con.execute("SELECT allocation_pct FROM team WHERE person = 'Aigerim Sarsenova'").fetchall()
    assert got == [(20.0,)]


@pytest.mark.parametrize(
    ("name", "place", "value", "stored", "ru"),
    [
        ("separator_comma.csv", "separator_comma.csv", "500,000", 500.0, "прочитано как 500 («,» — десятичный"),
        ("separator_point.xlsx", "Budget", "12.000", 12000.0, "прочитано как 12\u00a0000 («.» — разделитель"),
    ],
)
def test_a_separator_that_reads_two_ways_is_a_warning_naming_the_reading_taken(
    baseline_con: duckdb.DuckDBPyConnection, name: str, place: str, value: str, stored: float, ru: str
) -> None:
    plan = _import(baseline_con, name)

    assert _warnings(plan) == [("ambiguous_separator", place, 2, "Planned, thousand KZT", value)]
    assert ru in _said(plan, "ru")[0]
    _no_placeholders(plan)
    got = baseline_con.execute("SELECT planned FROM budget WHERE year = 2027").fetchall()
    assert got == [(stored,)]


def test_a_profile_that_names_its_thousands_separator_reads_without_a_doubt(
    baseline_con: duckdb.DuckDBPyConnection,
) -> None:
    from loaders.validate import ReadOptions

    plan = prepare(baseline_con, [MISREAD / "separator_comma.csv"], options=ReadOptions(thousands=","))

    assert plan.issues == []
    assert plan.validation.tables["budget"]["planned"].tolist() == [500000.0]


@pytest.mark.parametrize(
    ("name", "place", "column", "value", "sql"),
    [
        (
            "excel_error_optional.xlsx",
            "Projects",
            "Program",
            "#REF!",
            "SELECT program FROM projects WHERE project_id = 'P-02'",
        ),
        (
            "excel_error_text.csv",
            "excel_error_text.csv",
            "Comment",
            "#DIV/0!",
            "SELECT comment FROM indicator_values WHERE period_end = DATE '2026-09-30'",
        ),
    ],
)
def test_an_excel_error_in_an_optional_column_is_a_warning_and_no_value(
    baseline_con: duckdb.DuckDBPyConnection, name: str, place: str, column: str, value: str, sql: str
) -> None:
    plan = _import(baseline_con, name)

    assert _warnings(plan) == [("excel_error_blank", place, 2, column, value)]
    assert f"ошибка Excel: {value}" in _said(plan, "ru")[0]
    assert baseline_con.execute(sql).fetchall() == [(None,)]


@pytest.mark.parametrize(("name", "typed"), [("key_lowercase.xlsx", "p-01"), ("key_cyrillic.xlsx", "\u0420-01")])
def test_a_new_id_that_looks_like_an_existing_one_is_a_warning_naming_it(
    baseline_con: duckdb.DuckDBPyConnection, name: str, typed: str
) -> None:
    plan = _import(baseline_con, name)

    assert _warnings(plan) == [("key_lookalike", "Projects", 2, "Project ID", typed)]
    assert "похож на существующий «P-01»" in _said(plan, "ru")[0]
    assert "«P-01» кодына ұқсас" in _said(plan, "kk")[0]
    ids = baseline_con.execute("SELECT project_id FROM projects ORDER BY ALL").fetchall()
    assert ids == sorted([("P-01",), (typed,)])  # loaded as typed, as the warning says


def test_a_full_width_id_is_read_in_its_plain_form_and_said_so(baseline_con: duckdb.DuckDBPyConnection) -> None:
    plan = _import(baseline_con, "key_fullwidth.xlsx")

    assert _warnings(plan) == [("key_normalised", "Projects", 2, "Project ID", "\uff30-\uff10\uff11")]
    assert baseline_con.execute("SELECT project_id, name FROM projects").fetchall() == [("P-01", "Digital archive")]


def test_a_team_row_without_a_start_date_updates_the_persons_dated_row(
    baseline_con: duckdb.DuckDBPyConnection,
) -> None:
    """Aigerim is on P-01 at 80 % from 01.09.2026; a Team sheet without dates gives her 60 %.
    That is her row changing (with a warning), not a second row making 140 %."""
    _import(baseline_con, "team_dated.xlsx")

    plan = _import(baseline_con, "team_undated.xlsx")

    assert _warnings(plan) == [("team_dated_row", "Team", 2, "Person", "Aigerim Sarsenova")]
    assert "обновляется его строка с 01.09.2026" in _said(plan, "ru")[0]
    rows = baseline_con.execute(
        "SELECT person, allocation_pct, from_date FROM team WHERE project_id = 'P-01' ORDER BY person"
    ).fetchall()
    assert rows == [("Aigerim Sarsenova", 60.0, D(2026, 9, 1)), ("Dana Bekova", 100.0, None)]


def test_an_undated_team_row_still_matches_the_persons_undated_row(baseline_con: duckdb.DuckDBPyConnection) -> None:
    """A person whose row in the store has no date: a sheet without dates updates that row."""
    _import(baseline_con, "percent_format_allocation.xlsx")  # Aigerim, undated, at 20 %
    plan = _import(baseline_con, "team_undated.xlsx")
    assert _warnings(plan) == []
    rows = baseline_con.execute("SELECT person, allocation_pct, from_date FROM team ORDER BY person").fetchall()
    assert rows == [("Aigerim Sarsenova", 60.0, None), ("Dana Bekova", 100.0, None)]


def test_attendee_lists_are_compared_as_sets(baseline_con: duckdb.DuckDBPyConnection) -> None:
    """The same people, in another order, case, spacing and separator: nothing changed."""
    _import(baseline_con, "meetings_attendees.xlsx")

    plan = prepare(baseline_con, [MISREAD / "meetings_attendees_again.xlsx"])

    counts = plan.diffs["meetings"].counts
    assert (counts.inserted, counts.changed, counts.unchanged) == (0, 0, 1)


def test_two_sheets_of_one_name_are_both_read(baseline_con: duckdb.DuckDBPyConnection) -> None:
    """Excel refuses two sheets called Projects; other programs write them. Both are read (the
    second as "Projects (2)"), not the first one twice with a duplicate that does not exist."""
    grids = read_grids(MISREAD / "two_sheets_one_name.xlsx")
    assert [g.sheet for g in grids] == ["Projects", "Projects (2)"]
    plan = _import(baseline_con, "two_sheets_one_name.xlsx")
    assert plan.issues == []
    ids = baseline_con.execute("SELECT project_id FROM projects ORDER BY ALL").fetchall()
    assert ids == [("P-01",), ("P-02",), ("P-03",)]


def test_a_western_csv_with_a_byte_cp1252_lacks_is_read_as_latin_1(baseline_con: duckdb.DuckDBPyConnection) -> None:
    data = (MISREAD / "latin1.csv").read_bytes()
    assert detect_encoding(data) == "cp1252"  # and cp1252 cannot decode byte 81

    _import(baseline_con, "latin1.csv")

    got = baseline_con.execute("SELECT name, description FROM projects WHERE project_id = 'P-02'").fetchall()
    assert got == [("Caf\u00e9 registry", "Budget \u00a32.3m\x81 (draft)")]


def test_the_misread_corpus_matches_its_script(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_bad_files", Path(__file__).parent / "data" / "make_bad_files.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, data in module.misread_files().items():
        assert (MISREAD / name).read_bytes() == data, name
