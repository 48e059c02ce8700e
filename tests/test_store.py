"""The versioned store: batches, diffs, history, rollback, all-or-nothing imports.

Every test that takes the ``db`` or ``con`` fixture runs twice: on a DuckDB file and on an empty
PostgreSQL database. The schema-migration tests at the end stay on DuckDB: they make an older
store by hand, dropping views and columns of a DuckDB file (``tests/test_store_pg.py`` has the
PostgreSQL counterpart)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from loaders import store
from loaders.importer import import_files, prepare, sha256
from loaders.schema import MODELS, table_specs
from tests.builders import as_user

Rows = list[list[object]]

PROJECT_HEAD: list[object] = ["project_id", "name", "program", "start_date", "end_date", "status", "description"]
PROJECTS: Rows = [
    PROJECT_HEAD,
    ["P1", "Digital customs", "Customs", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "execution", "first"],
    ["P2", "Single window", "Customs", "01.02.2026", "30.11.2026", "Жоспарлау", "second"],
    ["P3", "E-invoices", "Tax", "2026-03-01", "2027-06-30", "Реализация", "third"],
]


def write_xlsx(path: Path, sheets: dict[str, Rows]) -> Path:
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def with_row(rows: Rows, key: str, **changes: object) -> Rows:
    """A copy of a sheet with the row whose first cell is ``key`` changed."""
    head = rows[0]
    out = [list(r) for r in rows]
    for r in out[1:]:
        if r[0] == key:
            for name, value in changes.items():
                r[head.index(name)] = value
    return out


@pytest.fixture(params=["duckdb", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """The store: a DuckDB file in ``tmp_path``, or an empty PostgreSQL database."""
    if request.param == "duckdb":
        return tmp_path / "pmo.duckdb"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def con(db: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = store.connect(db)
    yield c
    c.close()


def count(con: duckdb.DuckDBPyConnection, table: str, where: str = "", params: list[object] | None = None) -> int:
    row = con.execute(f"SELECT count(*) FROM {store.q(table)} {where}", params or []).fetchone()
    assert row is not None
    return int(row[0])


def value(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> object:
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def footprint(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """Everything an import may write: data version, batches, every history table."""
    tables = ["batches", "batch_files", "batch_stats", *(f"h_{t}" for t in table_specs())]
    return (store.data_version(con), *(count(con, t) for t in tables))


def load(con: duckdb.DuckDBPyConnection, path: Path, **kw: object) -> int:
    plan, batch = import_files(con, [path], actor=as_user("tester"), **kw)  # type: ignore[arg-type]
    assert plan.ok, [i.message("en") for i in plan.issues]
    assert batch is not None
    return batch


# --------------------------------------------------------------------------------------------
# Importing twice, changes, history


def test_byte_identical_file_is_imported_once(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", {"projects": PROJECTS})
    assert load(con, f) == 1
    before = footprint(con)

    copy = tmp_path / "renamed copy.xlsx"
    copy.write_bytes(f.read_bytes())
    plan, batch = import_files(con, [copy], actor=as_user("tester"))
    assert batch is None
    assert [i.code for i in plan.issues] == ["already_imported"]
    assert plan.issues[0].level == "warning"
    assert "batch 1" in plan.issues[0].message("en")
    assert not plan.has_changes and plan.diffs == {}
    assert footprint(con) == before


def test_second_file_changing_one_value(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load(con, write_xlsx(tmp_path / "a.xlsx", {"projects": PROJECTS}))
    changed = with_row(PROJECTS, "P2", end_date="31.12.2026")
    changed.append(["P4", "New one", None, "01.01.2027", "31.12.2027", None, None])
    plan, batch = import_files(con, [write_xlsx(tmp_path / "b.xlsx", {"Проекты": changed})], actor=as_user("tester"))
    assert batch == 2

    counts = plan.diffs["projects"].counts
    assert (counts.inserted, counts.changed, counts.unchanged) == (1, 1, 2)
    changes = plan.diffs["projects"].changes
    assert changes[["project_id", "field", "old", "new"]].to_dict("records") == [
        {"project_id": "P2", "field": "end_date", "old": "2026-11-30", "new": "2026-12-31"}
    ]
    assert changes["_row"].tolist() == [3]  # the Excel row of P2

    assert count(con, "h_projects", "WHERE project_id = ?", ["P2"]) == 2
    assert count(con, "h_projects", "WHERE project_id = ?", ["P1"]) == 1  # unchanged rows are not rewritten
    assert value(con, "SELECT end_date FROM projects WHERE project_id = 'P2'") == dt.date(2026, 12, 31)
    assert value(con, "SELECT _batch FROM projects WHERE project_id = 'P2'") == 2
    assert count(con, "projects") == 4
    stats = store.batch_stats(con, 2)
    assert stats[["table_name", "inserted", "changed", "unchanged"]].values.tolist() == [["projects", 1, 1, 2]]


def test_file_with_some_columns_keeps_the_others(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load(con, write_xlsx(tmp_path / "a.xlsx", {"projects": PROJECTS}))
    slim: Rows = [["project_id", "name", "start_date", "end_date", "status"]]
    slim.append(["P1", "Digital customs", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "suspended"])
    plan, _ = import_files(con, [write_xlsx(tmp_path / "b.xlsx", {"projects": slim})], actor=as_user("tester"))
    assert plan.diffs["projects"].changes["field"].tolist() == ["status"]
    row = con.execute("SELECT status, program, description FROM projects WHERE project_id = 'P1'").fetchone()
    assert row == ("suspended", "Customs", "first")


def test_file_with_some_projects_leaves_the_others(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load(con, write_xlsx(tmp_path / "a.xlsx", {"projects": PROJECTS}))
    before = con.execute("SELECT * FROM projects WHERE project_id <> 'P1' ORDER BY project_id").fetchall()
    only_p1 = [PROJECT_HEAD, with_row(PROJECTS, "P1", name="Digital customs 2.0")[1]]
    plan, _ = import_files(con, [write_xlsx(tmp_path / "b.xlsx", {"projects": only_p1})], actor=as_user("tester"))
    counts = plan.diffs["projects"].counts
    assert (counts.inserted, counts.changed, counts.unchanged) == (0, 1, 0)
    assert con.execute("SELECT * FROM projects WHERE project_id <> 'P1' ORDER BY project_id").fetchall() == before
    assert count(con, "projects") == 3


# --------------------------------------------------------------------------------------------
# Rollback


def _three_batches(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> list[Path]:
    files = [
        write_xlsx(tmp_path / "1.xlsx", {"projects": PROJECTS}),
        write_xlsx(tmp_path / "2.xlsx", {"projects": with_row(PROJECTS, "P1", name="Second name")}),
        write_xlsx(tmp_path / "3.xlsx", {"projects": with_row(PROJECTS, "P1", name="Third name")}),
    ]
    assert [load(con, f) for f in files] == [1, 2, 3]
    return files


def p1_name(con: duckdb.DuckDBPyConnection) -> object:
    return value(con, "SELECT name FROM projects WHERE project_id = 'P1'")


def test_rollback_of_the_latest_batch_restores_previous_values(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    _three_batches(con, tmp_path)
    version = store.data_version(con)
    assert p1_name(con) == "Third name"
    assert store.rollback(con, 3, as_user("tester")) == [3]
    assert p1_name(con) == "Second name"
    assert store.data_version(con) > version
    assert count(con, "h_projects") == 5  # nothing is deleted
    hist = store.batches(con).set_index("batch_id")
    assert hist.loc[3, "status"] == "rolled_back" and hist.loc[3, "rolled_back_by"] == "tester"
    assert hist.loc[2, "status"] == "applied"


def test_rollback_of_an_earlier_batch_undoes_the_later_ones(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    _three_batches(con, tmp_path)
    assert store.rollback(con, 2, as_user("tester")) == [2, 3]
    assert p1_name(con) == "Digital customs"
    assert store.batches(con).set_index("batch_id")["status"].to_dict() == {
        1: "applied",
        2: "rolled_back",
        3: "rolled_back",
    }
    assert store.rollback(con, 1, as_user("tester")) == [1]
    assert count(con, "projects") == 0
    assert store.is_empty(con)


def test_rollback_twice_or_unknown_is_an_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    _three_batches(con, tmp_path)
    store.rollback(con, 3, as_user("tester"))
    version = store.data_version(con)
    with pytest.raises(store.RollbackError) as exc:
        store.rollback(con, 3, as_user("tester"))
    assert exc.value.code == "batch_already_rolled_back" and exc.value.batch_id == 3
    with pytest.raises(store.RollbackError) as exc:
        store.rollback(con, 999, as_user("tester"))
    assert exc.value.code == "batch_unknown"
    assert store.data_version(con) == version


def test_a_rolled_back_file_can_be_imported_again(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    files = _three_batches(con, tmp_path)
    store.rollback(con, 3, as_user("tester"))
    assert store.find_applied(con, sha256(files[2].read_bytes())) is None
    assert load(con, files[2]) == 4
    assert p1_name(con) == "Third name"
    # batch 2's file is still applied: importing it again is skipped
    plan, batch = import_files(con, [files[1]], actor=as_user("tester"))
    assert batch is None and plan.issues[0].code == "already_imported"


# --------------------------------------------------------------------------------------------
# Nothing written unless everything is right


def test_prepare_writes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load(con, write_xlsx(tmp_path / "a.xlsx", {"projects": PROJECTS}))
    before = footprint(con)
    f = write_xlsx(tmp_path / "b.xlsx", {"projects": with_row(PROJECTS, "P1", name="Renamed")})
    plan = prepare(con, [f])
    assert plan.ok and plan.has_changes
    assert plan.diffs["projects"].counts.changed == 1
    assert footprint(con) == before
    assert p1_name(con) == "Digital customs"
    staged = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'stage_%'").fetchone()
    assert staged == (0,)
    # dry run through import_files: the same
    plan, batch = import_files(con, [f], actor=as_user("tester"), dry_run=True)
    assert batch is None and plan.has_changes
    assert footprint(con) == before


def test_one_bad_cell_among_many_good_rows_writes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load(con, write_xlsx(tmp_path / "a.xlsx", {"projects": PROJECTS}))
    before = footprint(con)
    current = con.execute("SELECT * FROM projects ORDER BY project_id").fetchall()

    rows: Rows = [PROJECT_HEAD]
    for i in range(200):
        rows.append([f"N{i:03}", f"Project {i}", "Bulk", "01.01.2026", dt.date(2026, 12, 31), "execution", None])
    rows[120][4] = "31.02.2026"  # Excel row 121
    risks: Rows = [["risk_id", "project_id", "title", "probability", "impact"], ["R1", "N001", "Delay", 3, 4]]
    f = write_xlsx(tmp_path / "bulk.xlsx", {"Проекты": rows, "risks": risks})

    plan, batch = import_files(con, [f], actor=as_user("tester"))
    assert batch is None and not plan.ok
    assert [(i.sheet, i.row, i.column, i.value, i.code) for i in plan.validation.errors] == [
        ("Проекты", 121, "end_date", "31.02.2026", "bad_date")
    ]
    assert footprint(con) == before
    assert con.execute("SELECT * FROM projects ORDER BY project_id").fetchall() == current


def test_failed_import_into_an_empty_store_leaves_it_empty(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    before = footprint(con)
    bad = with_row(PROJECTS, "P3", start_date="soon")
    plan, batch = import_files(con, [write_xlsx(tmp_path / "a.xlsx", {"projects": bad})], actor=as_user("tester"))
    assert batch is None and len(plan.validation.errors) == 1
    assert footprint(con) == before
    assert store.is_empty(con)


# --------------------------------------------------------------------------------------------
# Keys and defaults


TEAM_HEAD: list[object] = ["project_id", "person", "role", "allocation_pct"]


def test_person_names_in_the_team_key_ignore_case_and_spaces(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    team: Rows = [TEAM_HEAD, ["P1", "Иванов  Иван", "analyst", 50], ["P1", "Asel Nurlanovna", "Жоба менеджері", "100%"]]
    load(con, write_xlsx(tmp_path / "a.xlsx", {"projects": PROJECTS, "team": team}))
    assert value(con, "SELECT person FROM team WHERE allocation_pct = 50") == "Иванов Иван"

    again: Rows = [TEAM_HEAD, ["P1", " иванов   ИВАН ", "analyst", 30]]
    plan, _ = import_files(con, [write_xlsx(tmp_path / "b.xlsx", {"team": again})], actor=as_user("tester"))
    counts = plan.diffs["team"].counts
    assert (counts.inserted, counts.changed, counts.unchanged) == (0, 1, 0)
    assert count(con, "team") == 2
    assert con.execute("SELECT person, allocation_pct FROM team WHERE role = 'analyst'").fetchall() == [
        ("иванов ИВАН", 30.0)
    ]

    twice: Rows = [TEAM_HEAD, ["P2", "Asel Nurlanovna", "analyst", 20], ["P2", "ASEL  nurlanovna", "analyst", 30]]
    plan, batch = import_files(con, [write_xlsx(tmp_path / "c.xlsx", {"team": twice})], actor=as_user("tester"))
    assert batch is None
    assert [(i.code, i.row) for i in plan.validation.errors] == [("duplicate_key", 3)]


IND_HEAD: list[object] = ["indicator_id", "project_id", "name", "baseline", "target", "deadline"]


def test_defaults_for_new_rows(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    indicators: Rows = [
        [*IND_HEAD, "direction", "weight"],
        ["I1", "P1", "Share of e-declarations", 40, 90, "2026-Q4", None, None],  # blank cells
        ["I2", "P1", "Processing time", 10, 2, "31.12.2026", "down", 3],
    ]
    meetings: Rows = [
        ["meeting_id", "project_id", "type", "date", "duration_min"],  # no teams_presented column
        ["M1", "P1", "quarterly", "30.09.2026", 60],
    ]
    load(con, write_xlsx(tmp_path / "a.xlsx", {"projects": PROJECTS, "indicators": indicators, "meetings": meetings}))
    assert con.execute("SELECT indicator_id, direction, weight FROM indicators ORDER BY 1").fetchall() == [
        ("I1", "increase", 1.0),
        ("I2", "decrease", 3.0),
    ]
    assert con.execute("SELECT type, teams_presented FROM meetings").fetchall() == [("quarterly_report", 1)]

    # a later file without those columns: new rows get the default, existing rows keep their value
    slim: Rows = [IND_HEAD, ["I2", "P1", "Processing time", 10, 2, "31.12.2026"], ["I3", "P2", "X", 0, 1, "2026-12-31"]]
    plan, _ = import_files(con, [write_xlsx(tmp_path / "b.xlsx", {"indicators": slim})], actor=as_user("tester"))
    counts = plan.diffs["indicators"].counts
    assert (counts.inserted, counts.changed, counts.unchanged) == (1, 0, 1)
    assert con.execute("SELECT indicator_id, direction, weight FROM indicators ORDER BY 1").fetchall() == [
        ("I1", "increase", 1.0),
        ("I2", "decrease", 3.0),
        ("I3", "increase", 1.0),
    ]


def test_store_survives_closing_and_reopening(db: str | Path, tmp_path: Path) -> None:
    con = store.connect(db)
    load(con, write_xlsx(tmp_path / "a.xlsx", {"projects": PROJECTS}))
    load(con, write_xlsx(tmp_path / "b.xlsx", {"projects": with_row(PROJECTS, "P1", name="Renamed")}))
    store.rollback(con, 2, as_user("tester"))
    version = store.data_version(con)
    con.close()
    store.disconnect(db)  # PostgreSQL: this process's copy is gone, the next opening loads it afresh

    con = store.connect(db)
    try:
        assert store.data_version(con) == version
        assert count(con, "projects") == 3 and p1_name(con) == "Digital customs"
        assert store.batches(con)["status"].tolist() == ["rolled_back", "applied"]
        assert load(con, write_xlsx(tmp_path / "c.xlsx", {"projects": with_row(PROJECTS, "P1", name="C")})) == 3
    finally:
        con.close()
    ro = store.connect(db, read_only=True)
    try:
        assert p1_name(ro) == "C"
    finally:
        ro.close()


# --------------------------------------------------------------------------------------------
# The vectorised validation agrees with the pydantic models


def head(names: str) -> list[object]:
    """A header row written as one string of field names."""
    return list(names.split())


def full_workbook() -> dict[str, Rows]:
    """Every table of the contract, valid, with values typed the ways people type them."""
    d = dt.date
    # fmt: off
    return {
        "Жобалар": [
            ["Жоба коды", "Жоба атауы", "Бағдарлама", "Стратегиялық мақсат", "Куратор", "Бағдарлама менеджері",
             "Жоба менеджері", "Басталу күні", "Паспорт бойынша аяқталу мерзімі", "Мәртебесі",
             "Нақты аяқталған күні", "Паспорт бекітілген күні", "Сипаттамасы"],
            ["P1", "Цифрлық кеден", "Кеден", "Ашықтық", "Ахметов А.", None, "Омаров  Б.", d(2026, 1, 1),
             "31.12.2026", "Іске асыру", None, "15.12.2025", "Жоба сипаттамасы"],
            ["P2", "Бірыңғай терезе", None, None, None, None, None, "2025-01-10", d(2025, 12, 31), "Аяқталды",
             "20.12.2025", None, None],
        ],
        "indicators": [
            head("indicator_id project_id name kind parent_id unit baseline target direction deadline weight "
                 "criterion direction_id"),
            ["TI-1", "P1", "Share of e-declarations", "Мақсатты индикатор", None, "%", "40", "90,5", None, "2026-Q4",
             None, "Мемлекеттік басқарудың ашықтығын арттыру", "D-1"],
            ["KPI-1", "P1", "Processing time", "КПЭ", "TI-1", "hours", 10, 2, "Снижение", "31.12.2026", "0,5", "2",
             None],
        ],
        "indicator_values": [
            head("indicator_id period_end actual comment"),
            ["TI-1", "2026-Q1", "55", None],
            ["TI-1", "2 квартал 2026", "61,5", "on track"],
            ["KPI-1", d(2026, 6, 30), 6, None],
        ],
        "activities": [
            head("activity_id project_id name stage responsible planned_start planned_end actual_end status "
                 "percent_complete expected_result indicator_id"),
            ["A1", "P1", "Requirements", "Design", "Омаров Б.", "01.01.2026", "31.03.2026", "25.03.2026", "Орындалды",
             "100%", "Spec", "TI-1"],
            ["A2", "P1", "Build", "Build", None, "01.04.2026", "30.09.2026", None, "В работе", 0.4, None, None],
            ["A3", "P2", "Launch", None, None, None, "2025-12-01", None, "not started", None, None, None],
        ],
        "risks": [
            head("risk_id project_id title category probability impact priority owner mitigation alternative_plan "
                 "identified_on last_reviewed_on status"),
            ["R1", "P1", "Vendor delay", "Негізгі", 4, "5", "жоғары", "Омаров Б.", "Weekly calls", "Second vendor",
             "10.01.2026", "10.03.2026", "Ашық"],
            ["R2", "P1", "Inflation", "macro", 2, 2, None, None, None, None, None, None, "closed"],
        ],
        "team": [
            head("project_id person role allocation_pct from_date to_date"),
            ["P1", "Омаров  Б.", "Жоба менеджері", "100%", "01.01.2026", "31.12.2026"],
            ["P1", "Сейт Д.", "analyst", 0.5, None, None],
        ],
        "meetings": [
            head("meeting_id project_id type date duration_min attendees teams_presented"),
            ["M1", "P1", "Ежедневная встреча", "12.01.2026", 15, "Омаров Б.; Сейт Д.", None],
            ["M2", "P1", "quarterly_report", d(2026, 3, 31), "120", "Ахметов А.\nОмаров Б.", "4"],
        ],
        "budget": [
            head("project_id year funding_source planned spent"),
            ["P1", "2026 ж.", "РБ", "1 500 000,5", "250 000"],
            ["P2", 2025, "Жергілікті бюджет", 1000, None],
        ],
        "changes": [
            head("change_id project_id submitted_on description decision decided_on"),
            ["C1", "P1", "01.03.2026", "Move deadline", "Одобрено", "15.03.2026"],
            ["C2", "P1", "01.04.2026", None, None, None],
        ],
        "evaluations": [
            head("project_id submitted_on final_result budget_absorbed_pct lessons_learned"),
            ["P2", "15.01.2026", "Launched", "97,5%", "Start earlier"],
        ],
        "decisions": [
            head("decision_id project_id meeting_date kind text responsible due_date done_on"),
            ["Q1-1", "P1", "31.03.2026", "Приоритеты", "Move the portal first", "Омаров Б.", "30.04.2026", None],
            ["Q1-2", "P1", d(2026, 3, 31), None, "Add an analyst", None, None, "15.04.2026"],
        ],
        "Дорожные карты": [
            head("roadmap_id agency name period_from period_to version deputy_head"),
            ["RM-1", "Қаржы министрлігі", "Жол картасы 2026–2028", "2026 ж.", 2028, 1, "Омаров  Б."],
        ],
        "roadmap_directions": [
            head("direction_id roadmap_id name project_id financed additional_funding"),
            ["D-1", "RM-1", "Салықтар", "P1", "1 500 000", None],
        ],
        "roadmap_changes": [
            head("change_id roadmap_id ground description"),
            ["RC-1", "RM-1", "6", "Мерзімді ауыстыру"],
        ],
        "roadmap_events": [
            head("roadmap_id kind event_date change_id document comment"),
            ["RM-1", "Утверждено", "03.04.2026", None, "№ 178", None],
            ["RM-1", "approved", d(2026, 6, 11), "RC-1", None, "ИС ПУ"],
        ],
    }
    # fmt: on


def _plain(v: object) -> object:
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, np.generic):
        return _plain(v.item())
    return v


def test_imported_rows_validate_with_the_pydantic_models(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    plan, batch = import_files(con, [write_xlsx(tmp_path / "full.xlsx", full_workbook())], actor=as_user("tester"))
    # the only remarks: two shares typed into percent columns (0.4, 0.5), read as 40 % and 50 %
    assert sorted((i.level, i.code, i.sheet, i.row) for i in plan.issues) == [
        ("warning", "share_as_percent", "activities", 3),
        ("warning", "share_as_percent", "team", 3),
    ]
    assert batch == 1
    seen = 0
    for model in MODELS:
        df = con.execute(f"SELECT * FROM {store.q(model.table)}").df().drop(columns="_batch")
        assert len(df), f"{model.table} imported no rows"
        for record in df.to_dict("records"):
            row = {k: _plain(v) for k, v in record.items()}
            model.model_validate(row)
            seen += 1
    assert seen == sum(len(rows) - 1 for rows in full_workbook().values())

    # and a few values read the way a person meant them
    assert value(con, "SELECT allocation_pct FROM team WHERE person = 'Сейт Д.'") == 50.0
    assert value(con, "SELECT person FROM team WHERE allocation_pct = 100") == "Омаров Б."
    assert value(con, "SELECT planned FROM budget WHERE project_id = 'P1'") == 1500000.5
    assert value(con, "SELECT year FROM budget WHERE project_id = 'P1'") == 2026
    assert value(con, "SELECT criterion FROM indicators WHERE indicator_id = 'KPI-1'") == "government_cost"
    assert value(con, "SELECT deadline FROM indicators WHERE indicator_id = 'TI-1'") == dt.date(2026, 12, 31)
    assert con.execute("SELECT period_end FROM indicator_values ORDER BY 1").fetchall() == [
        (dt.date(2026, 3, 31),),
        (dt.date(2026, 6, 30),),
        (dt.date(2026, 6, 30),),
    ]
    # a blank optional number is stored as NULL, not as NaN
    assert value(con, "SELECT count(*) FROM budget WHERE spent IS NULL") == 1
    for table, spec in table_specs().items():
        for f in spec.fields:
            if f.kind == "number":
                sql = f"SELECT count(*) FROM {store.q(table)} WHERE isnan({store.q(f.name)})"
                assert value(con, sql) == 0, (table, f.name)


def test_current_rows_kept_ready_match_their_definition(db: str | Path) -> None:
    """``c_<table>`` (updated row by row on import) always equals ``latest_<table>`` (the definition)."""
    from loaders.schema import TABLES
    from tests.builders import D, make_store, project

    con = make_store(
        db,
        {
            "projects": [project("P1"), project("P2")],
            "team": [{"project_id": "P1", "person": "A  B", "role": "analyst", "allocation_pct": 50}],
        },
    )
    from loaders import template
    from loaders.importer import import_files
    from loaders.reader import Loaded

    wb = template.build("en")
    template.fill(wb, "projects", [project("P2", name="Renamed", end_date=D(2027, 6, 30)), project("P3")], "en")
    template.fill(wb, "team", [{"project_id": "P1", "person": "a b", "role": "analyst", "allocation_pct": 30}], "en")
    plan, batch = import_files(con, [Loaded("second.xlsx", template.to_bytes(wb))], actor=as_user("t"))
    assert batch == 2 and plan.diffs["team"].counts.changed == 1
    for table in TABLES:
        one_way = con.execute(f"SELECT * FROM c_{table} EXCEPT ALL SELECT * FROM latest_{table}").fetchall()
        other = con.execute(f"SELECT * FROM latest_{table} EXCEPT ALL SELECT * FROM c_{table}").fetchall()
        assert one_way == [] and other == [], table
    assert con.execute("SELECT name FROM projects WHERE project_id = 'P2'").fetchall() == [("Renamed",)]
    assert con.execute("SELECT count(*) FROM team").fetchall() == [(1,)]


def assert_a_resaved_baseline_changes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """The baseline saved again by openpyxl (the same data in other bytes) changes no value: an
    upgraded store compares the new column as it compares the old ones."""
    from openpyxl import load_workbook

    from tests.conftest import BASELINE

    again = tmp_path / "baseline_saved_again.xlsx"
    load_workbook(BASELINE).save(again)
    plan = prepare(con, [again])
    changed = {name: d.counts.changed for name, d in plan.diffs.items()}
    assert changed and set(changed.values()) == {0}, changed


def test_a_store_of_the_previous_schema_gains_the_new_field_and_keeps_its_rows(tmp_path: Path) -> None:
    """A store written before projects had ``reported_rag`` (schema 3): opened, it gains the
    column, keeps every row, and the same file imported again changes nothing. (DuckDB only: the
    older file is made by hand; ``test_store_pg`` does the same to a PostgreSQL store.)"""
    from tests.conftest import BASELINE

    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    import_files(con, [BASELINE], actor=as_user("t"))
    before = con.execute("SELECT project_id, name, start_date, end_date FROM projects").fetchall()
    # make it the older shape: no reported_rag in the history, the kept current rows or the views
    con.execute("DROP VIEW projects")
    con.execute("DROP VIEW latest_projects")
    con.execute("DROP TABLE c_projects")
    con.execute("ALTER TABLE h_projects DROP COLUMN reported_rag")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()

    con = store.connect(path)
    try:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        assert con.execute("SELECT project_id, name, start_date, end_date FROM projects").fetchall() == before
        assert con.execute("SELECT count(*) FROM projects WHERE reported_rag IS NOT NULL").fetchall() == [(0,)]
        assert_a_resaved_baseline_changes_nothing(con, tmp_path)
    finally:
        con.close()


def test_a_store_of_schema_5_gains_the_roadmaps_and_the_indicators_direction(tmp_path: Path) -> None:
    """A store written before the Decree 881 roadmaps (schema 5): opened, it gains the four roadmap
    tables, empty, and ``indicators.direction_id``, and keeps every indicator. (DuckDB only: the
    older file is made by hand.)"""
    from tests.conftest import BASELINE

    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    import_files(con, [BASELINE], actor=as_user("t"))
    before = con.execute("SELECT indicator_id, name, target FROM indicators ORDER BY 1").fetchall()
    for table in ("roadmaps", "roadmap_directions", "roadmap_events", "roadmap_changes"):
        con.execute(f"DROP VIEW {table}")
        con.execute(f"DROP TABLE c_{table}")
        con.execute(f"DROP VIEW latest_{table}")
        con.execute(f"DROP TABLE h_{table}")
    con.execute("DROP VIEW indicators")
    con.execute("DROP VIEW latest_indicators")
    con.execute("ALTER TABLE h_indicators DROP COLUMN direction_id")
    con.execute("ALTER TABLE c_indicators DROP COLUMN direction_id")
    con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    con.close()

    con = store.connect(path)
    try:
        assert store.schema_version(con) == store.SCHEMA_VERSION == 6
        assert con.execute("SELECT indicator_id, name, target FROM indicators ORDER BY 1").fetchall() == before
        assert con.execute("SELECT count(*) FROM indicators WHERE direction_id IS NOT NULL").fetchall() == [(0,)]
        for table in ("roadmaps", "roadmap_directions", "roadmap_events", "roadmap_changes"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]
    finally:
        con.close()


def test_a_store_of_schema_4_gains_the_decisions_table_and_keeps_its_rows(tmp_path: Path) -> None:
    """A store written before the quarterly meeting's decisions were a table (schema 4): opened,
    it gains ``h_decisions``, ``latest_decisions``, ``c_decisions`` and the view, empty, keeps every
    row of the other tables, and takes decisions on the next import. (DuckDB only: the older file
    is made by hand.)"""
    from tests.conftest import BASELINE

    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    import_files(con, [BASELINE], actor=as_user("t"))
    before = con.execute("SELECT project_id, name, start_date, end_date FROM projects ORDER BY 1").fetchall()
    con.execute("DROP VIEW decisions")
    con.execute("DROP TABLE c_decisions")
    con.execute("DROP VIEW latest_decisions")
    con.execute("DROP TABLE h_decisions")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.close()

    con = store.connect(path)
    try:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        assert (
            con.execute("SELECT project_id, name, start_date, end_date FROM projects ORDER BY 1").fetchall() == before
        )
        assert con.execute("SELECT count(*) FROM decisions").fetchall() == [(0,)]
        columns = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'h_decisions' ORDER BY ordinal_position"
            ).fetchall()
        ]
        assert columns == [
            "decision_id",
            "project_id",
            "meeting_date",
            "kind",
            "text",
            "responsible",
            "due_date",
            "done_on",
            "_batch",
        ]
        pid = before[0][0]
        csv = tmp_path / "decisions.csv"
        csv.write_text(
            "decision_id,project_id,meeting_date,kind,text,responsible,due_date,done_on\n"
            f"D-1,{pid},30.06.2026,бюджет,Бюджетті қайта бөлу,Асан Сәрсенов,31.07.2026,\n",
            encoding="utf-8",
        )
        import_files(con, [csv], actor=as_user("t"))
        got = con.execute("SELECT decision_id, kind, meeting_date, due_date, done_on FROM decisions").fetchall()
        assert got == [("D-1", "budget", dt.date(2026, 6, 30), dt.date(2026, 7, 31), None)]
    finally:
        con.close()
