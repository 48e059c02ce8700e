"""Profiles that transform: SQL targets, header-less and transposed sheets, a date order per
field, trimmed null values, further sources, and rows skipped by the thousand.

Every input is written here, into ``tmp_path``; every import goes through the real importer (the
reader's child process included) into a real DuckDB store, whose tables are read back whole."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from i18n import LANGS
from loaders import limits, profile_sql, store
from loaders.importer import ImportPlan, import_files
from loaders.issues import Issue, ReadError
from loaders.mapping import Profile, load_profile, profile_from_toml
from loaders.reader import Loaded, load, read_grids
from loaders.schema import table_specs
from loaders.validate import MAX_ISSUES_PER_KIND, IssueLog
from tests.builders import as_user

D = dt.date
FIELDS = {name: [f.name for f in spec.fields] for name, spec in table_specs().items()}


def row(table: str, **values: object) -> tuple[object, ...]:
    """A stored row of ``table``, every field in the store's order; the ones not given are NULL."""
    unknown = set(values) - set(FIELDS[table])
    assert not unknown, unknown
    return tuple(values.get(f) for f in FIELDS[table])


def stored(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[object, ...]]:
    """Every row of ``table``, every field, ordered by its key."""
    cols = ", ".join(FIELDS[table])
    key = ", ".join(table_specs()[table].key)
    return con.execute(f"SELECT {cols} FROM {table} ORDER BY {key}").fetchall()


def xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def csv_file(path: Path, rows: Sequence[Sequence[object]], delimiter: str = ";") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def profile(tmp_path: Path, text: str) -> Profile:
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return load_profile(path)


def imported(con: duckdb.DuckDBPyConnection, files: Sequence[Path | Loaded], mapping: Profile) -> ImportPlan:
    """The plan of an import that must succeed; every message renders in every language."""
    plan, batch = import_files(con, list(files), actor=as_user("t"), mapping=mapping)
    assert [i.message("en") for i in plan.validation.errors] == []
    assert batch is not None
    for issue in plan.issues:
        for lang in LANGS:
            assert issue.message(lang)
    return plan


def refused(con: duckdb.DuckDBPyConnection, files: Sequence[Path | Loaded], mapping: Profile) -> list[Issue]:
    """The errors of an import that must write nothing."""
    plan, batch = import_files(con, list(files), actor=as_user("t"), mapping=mapping)
    assert batch is None
    assert plan.validation.errors
    return plan.validation.errors


def messages(plan: ImportPlan | list[Issue], lang: str = "en") -> list[str]:
    issues = plan.issues if isinstance(plan, ImportPlan) else plan
    return [i.message(lang) for i in issues]


# --------------------------------------------------------------------------------------------
# SQL targets, one power each


def test_transposed_sheet_through_sql(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    """Field names down column A, one project per column; a CASE maps the stage."""
    source = xlsx(
        tmp_path / "passport.xlsx",
        [
            ["Code", "KZ-01", "KZ-02", "KZ-03"],
            ["Title", "E-licensing", "Open budget", "Tax portal"],
            ["Begins", D(2026, 1, 15), "01.03.2026", D(2026, 2, 1)],
            ["Ends", D(2026, 12, 31), "31.12.2027", "not yet"],
            ["Stage", "In progress", "Planned", "In progress"],
            ["Budget, mln ₸", 120.5, 80, None],
        ],
        sheet="Passport",
    )
    mapping = profile(
        tmp_path,
        """
name = "passport, read across"
[source]
transpose = true
[[target]]
table = "projects"
skip_invalid_rows = true
sql = '''
SELECT _row, Code AS project_id, Title AS name, Begins AS start_date, Ends AS end_date,
       CASE Stage WHEN 'In progress' THEN 'execution' WHEN 'Planned' THEN 'planning' END AS status
FROM src
'''
[[target]]
table = "budget"
sql = '''
SELECT Code AS project_id, 2026 AS year, "Budget, mln ₸" AS planned
FROM src WHERE "Budget, mln ₸" IS NOT NULL
'''
constants = { funding_source = "local_budget" }
""",
    )
    plan = imported(empty_con, [source], mapping)
    assert stored(empty_con, "projects") == [
        row(
            "projects",
            project_id="KZ-01",
            name="E-licensing",
            start_date=D(2026, 1, 15),
            end_date=D(2026, 12, 31),
            status="execution",
        ),
        row(
            "projects",
            project_id="KZ-02",
            name="Open budget",
            start_date=D(2026, 3, 1),
            end_date=D(2027, 12, 31),
            status="planning",
        ),
    ]
    assert stored(empty_con, "budget") == [
        row("budget", project_id="KZ-01", year=2026, funding_source="local_budget", planned=120.5),
        row("budget", project_id="KZ-02", year=2026, funding_source="local_budget", planned=80.0),
    ]
    (skipped,) = plan.issues
    assert (skipped.level, skipped.code, skipped.sheet, skipped.row, skipped.column) == (
        "warning",
        "row_skipped",
        "Passport",
        None,  # a record read across has a column, not a row
        "end_date",
    )
    assert skipped.message("en") == (
        "Row skipped (as the profile says): The record in column D (one record per column): "
        "Row 3 of the SQL result for 'Projects': 'not yet' is not a date: write 23.11.2026, 2026-11-23 or 2026-Q3."
    )
    assert "D бағанындағы жазба" in skipped.message("kk") and "Запись в столбце D" in skipped.message("ru")


def test_headerless_sheet_through_sql(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    """No header: the columns are A, B, …; every row is data, named by its Excel row."""
    source = xlsx(
        tmp_path / "list.xlsx",
        [
            ["KZ-10", "Digital archive", D(2026, 1, 1), D(2026, 6, 30), "Ministry of Justice"],
            ["KZ-11", "Land registry", "2026-02-01", "2026-11-30", None],
            ["KZ-12", None, D(2026, 3, 1), D(2026, 9, 1), "MoJ"],
            ["KZ-13", "Court portal", D(2026, 4, 1), D(2027, 3, 31), "MoJ"],
        ],
    )
    mapping = profile(
        tmp_path,
        """
name = "no header"
[source]
header_row = "none"
[[target]]
table = "projects"
skip_invalid_rows = true
sql = "SELECT _row, A AS project_id, B AS name, C AS start_date, D AS end_date, E AS program FROM src"
""",
    )
    plan = imported(empty_con, [source], mapping)
    assert stored(empty_con, "projects") == [
        row(
            "projects",
            project_id="KZ-10",
            name="Digital archive",
            program="Ministry of Justice",
            start_date=D(2026, 1, 1),
            end_date=D(2026, 6, 30),
        ),
        row("projects", project_id="KZ-11", name="Land registry", start_date=D(2026, 2, 1), end_date=D(2026, 11, 30)),
        row(
            "projects",
            project_id="KZ-13",
            name="Court portal",
            program="MoJ",
            start_date=D(2026, 4, 1),
            end_date=D(2027, 3, 31),
        ),
    ]
    (skipped,) = plan.issues
    assert (skipped.sheet, skipped.row, skipped.column) == ("Sheet1", 3, "name")  # the Excel row
    assert skipped.message("en") == (
        "Row skipped (as the profile says): Row 3 of the SQL result for 'Projects': "
        "Column 'name' is required, but the cell is empty."
    )


def test_budget_with_computed_years_and_amounts(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    """The year from a date (typed or written dd.mm.yyyy), a budget year minus one, dollars in
    millions, "$2.7B" read with a regex; the projects are the distinct codes."""
    source = xlsx(
        tmp_path / "budget.xlsx",
        [
            ["Project", "Approved on", "Budget Year", "USD", "Spent"],
            ["KZ-20", D(2025, 11, 20), 2026, 2_700_000, "$2.7B"],
            ["KZ-21", "15.03.2026", 2027, 350_000.5, "$450M"],
            ["KZ-22", D(2024, 12, 31), 2025, "1 200 000", "$0.05B"],
        ],
        sheet="Lines",
    )
    mapping = profile(
        tmp_path,
        r"""
name = "computed budget"
[[target]]
table = "projects"
sql = "SELECT DISTINCT Project AS project_id, 'Project ' || Project AS name FROM src"
constants = { start_date = "2025-01-01", end_date = "2027-12-31" }
[[target]]
table = "budget"
sql = '''
SELECT _row, Project AS project_id,
       year(coalesce(TRY_CAST("Approved on" AS DATE), TRY_STRPTIME("Approved on", '%d.%m.%Y'))) AS year,
       CAST(replace(USD, ' ', '') AS DOUBLE) / 1e6 AS planned
FROM src
'''
constants = { funding_source = "republican_budget" }
[[target]]
table = "budget"
sql = '''
SELECT _row, Project AS project_id,
       CAST("Budget Year" AS INTEGER) - 1 AS year,
       CAST(regexp_extract(Spent, '^\$([0-9.]+)[MB]$', 1) AS DOUBLE)
         * CASE right(Spent, 1) WHEN 'B' THEN 1000 ELSE 1 END AS planned
FROM src
'''
constants = { funding_source = "local_budget" }
""",
    )
    plan = imported(empty_con, [source], mapping)
    assert plan.issues == []
    assert stored(empty_con, "projects") == [
        row("projects", project_id=p, name=f"Project {p}", start_date=D(2025, 1, 1), end_date=D(2027, 12, 31))
        for p in ("KZ-20", "KZ-21", "KZ-22")
    ]
    assert stored(empty_con, "budget") == [
        row("budget", project_id="KZ-20", year=2025, funding_source="local_budget", planned=2.7 * 1000),
        row("budget", project_id="KZ-20", year=2025, funding_source="republican_budget", planned=2_700_000 / 1e6),
        row("budget", project_id="KZ-21", year=2026, funding_source="local_budget", planned=450.0),
        row("budget", project_id="KZ-21", year=2026, funding_source="republican_budget", planned=350_000.5 / 1e6),
        row("budget", project_id="KZ-22", year=2024, funding_source="local_budget", planned=0.05 * 1000),
        row("budget", project_id="KZ-22", year=2024, funding_source="republican_budget", planned=1.2),
    ]


def test_filtered_and_deduplicated_list(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    """One row per component, several countries, dropped projects: DISTINCT and WHERE."""
    source = csv_file(
        tmp_path / "register.csv",
        [
            ["Country", "Status", "Code", "Project", "Start", "End", "Component"],
            ["Kazakhstan", "Active", "KZ-30", "Smart city", "01.02.2026", "31.12.2026", "Design"],
            ["Kazakhstan", "Active", "KZ-30", "Smart city", "01.02.2026", "31.12.2026", "Build"],
            ["Kyrgyzstan", "Active", "KG-01", "Border post", "01.01.2026", "31.12.2026", "Build"],
            ["Kazakhstan", "Dropped", "KZ-31", "Old portal", "01.01.2025", "31.12.2025", "Design"],
            [" kazakhstan ", "Active", "KZ-32", "E-health", "15.04.2026", "30.06.2027", "Design"],
        ],
    )
    mapping = profile(
        tmp_path,
        """
name = "filtered"
[[target]]
table = "projects"
sql = '''
SELECT DISTINCT Code AS project_id, Project AS name, Start AS start_date, "End" AS end_date
FROM src
WHERE lower(trim(Country)) = 'kazakhstan' AND Status <> 'Dropped'
'''
constants = { status = "execution" }
""",
    )
    plan = imported(empty_con, [source], mapping)
    assert plan.issues == []
    assert stored(empty_con, "projects") == [
        row(
            "projects",
            project_id="KZ-30",
            name="Smart city",
            start_date=D(2026, 2, 1),
            end_date=D(2026, 12, 31),
            status="execution",
        ),
        row(
            "projects",
            project_id="KZ-32",
            name="E-health",
            start_date=D(2026, 4, 15),
            end_date=D(2027, 6, 30),
            status="execution",
        ),
    ]


def test_a_constant_where_the_cell_is_blank(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    source = csv_file(
        tmp_path / "programs.csv",
        [
            ["Code", "Name", "Programme", "Stage", "From", "To"],
            ["KZ-40", "Open data", "Digital Kazakhstan", "execution", "2026-01-01", "2026-12-31"],
            ["KZ-41", "Smart roads", "", "", "2026-02-01", "2026-10-31"],
            ["KZ-42", "E-notary", "   ", "completed", "2025-01-01", "2025-12-31"],
        ],
    )
    mapping = profile(
        tmp_path,
        """
name = "coalesce"
[[target]]
table = "projects"
sql = '''
SELECT _row, Code AS project_id, Name AS name, "From" AS start_date, "To" AS end_date,
       coalesce(Programme, 'Unassigned') AS program, coalesce(Stage, 'planning') AS status
FROM src
'''
""",
    )
    imported(empty_con, [source], mapping)
    assert stored(empty_con, "projects") == [
        row(
            "projects",
            project_id="KZ-40",
            name="Open data",
            program="Digital Kazakhstan",
            start_date=D(2026, 1, 1),
            end_date=D(2026, 12, 31),
            status="execution",
        ),
        row(
            "projects",
            project_id="KZ-41",
            name="Smart roads",
            program="Unassigned",
            start_date=D(2026, 2, 1),
            end_date=D(2026, 10, 31),
            status="planning",
        ),
        row(
            "projects",
            project_id="KZ-42",
            name="E-notary",
            program="Unassigned",
            start_date=D(2025, 1, 1),
            end_date=D(2025, 12, 31),
            status="completed",
        ),
    ]


def test_a_budget_by_year_columns_unpivoted(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    """One column per year, as budget tables are often written: UNPIVOT makes a line per year
    (a blank year has none); each line keeps the row it came from."""
    source = csv_file(
        tmp_path / "plan.csv",
        [
            ["Project", "Source", "2025", "2026", "2027"],
            ["KZ-60", "republican_budget", "1 500,5", "2 000", ""],
            ["KZ-61", "local_budget", "", "310", "x"],
        ],
    )
    mapping = profile(
        tmp_path,
        """
name = "by year"
[[target]]
table = "projects"
sql = "SELECT DISTINCT Project AS project_id, Project AS name FROM src"
constants = { start_date = "2025-01-01", end_date = "2027-12-31" }
[[target]]
table = "budget"
skip_invalid_rows = true
sql = '''
SELECT _row, Project AS project_id, CAST(year AS INTEGER) AS year, Source AS funding_source, planned
FROM (UNPIVOT src ON COLUMNS('^20[0-9][0-9]$') INTO NAME year VALUE planned)
'''
""",
    )
    plan = imported(empty_con, [source], mapping)
    assert stored(empty_con, "budget") == [
        row("budget", project_id="KZ-60", year=2025, funding_source="republican_budget", planned=1500.5),
        row("budget", project_id="KZ-60", year=2026, funding_source="republican_budget", planned=2000.0),
        row("budget", project_id="KZ-61", year=2026, funding_source="local_budget", planned=310.0),
    ]
    (skipped,) = plan.issues
    assert (skipped.row, skipped.column, skipped.value) == (3, "planned", "x")  # KZ-61's row in the file
    assert "Row 4 of the SQL result for 'Budget'" in skipped.message("en")


JOIN = """
name = "projects and their people"
[source]
sheet = "Projects"
[sources.people]
file = "people.csv"
delimiter = ";"
[[target]]
table = "projects"
sql = '''
SELECT p._row, p.Code AS project_id, p.Title AS name, p.Start AS start_date, p."End" AS end_date,
       m.Name AS project_manager, c.Name AS curator
FROM src p
LEFT JOIN people m ON m.ID = p."Manager ID"
LEFT JOIN people c ON c.ID = p."Curator ID"
'''
"""


def _join_files(folder: Path) -> tuple[Path, Path]:
    main = xlsx(
        folder / "projects.xlsx",
        [
            ["Code", "Title", "Start", "End", "Manager ID", "Curator ID"],
            ["KZ-50", "E-procurement", D(2026, 1, 1), D(2026, 12, 31), 7, 1],
            ["KZ-51", "Open courts", D(2026, 3, 1), D(2027, 2, 28), 8, 1],
            ["KZ-52", "Data lake", D(2026, 5, 1), D(2026, 11, 30), 99, None],
        ],
        sheet="Projects",
    )
    people = csv_file(
        folder / "people.csv",
        [
            ["ID", "Name", "Role"],
            ["1", "Aigerim Sadykova", "curator"],
            ["7", "Dauren Omarov", "pm"],
            ["8", "Ivan Petrov", "pm"],
        ],
    )
    return main, people


JOINED = [
    row(
        "projects",
        project_id="KZ-50",
        name="E-procurement",
        curator="Aigerim Sadykova",
        project_manager="Dauren Omarov",
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
    ),
    row(
        "projects",
        project_id="KZ-51",
        name="Open courts",
        curator="Aigerim Sadykova",
        project_manager="Ivan Petrov",
        start_date=D(2026, 3, 1),
        end_date=D(2027, 2, 28),
    ),
    row("projects", project_id="KZ-52", name="Data lake", start_date=D(2026, 5, 1), end_date=D(2026, 11, 30)),
]


def test_two_files_joined_the_second_beside_the_profile(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    main, _ = _join_files(tmp_path)
    imported(empty_con, [main], profile(tmp_path, JOIN))
    assert stored(empty_con, "projects") == JOINED


def test_two_files_joined_the_second_given_with_the_import(
    tmp_path: Path, empty_con: duckdb.DuckDBPyConnection
) -> None:
    """A profile kept as text reads no file of the server: the source comes with the import
    (``pmo import projects.xlsx people.csv``), and is not imported on its own."""
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    main, people = _join_files(uploads)
    mapping = profile_from_toml(JOIN)
    errors = refused(empty_con, [main], mapping)
    assert messages(errors) == [
        "The profile's source 'people' ('people.csv') was not found: "
        "put the file beside the profile or give it with the import."
    ]
    files = [load(main), load(people)]
    plan = imported(empty_con, files, mapping.bind(files))
    assert stored(empty_con, "projects") == JOINED
    assert [f.name for f in plan.files] == ["projects.xlsx", "people.csv"]  # both in the batch


# --------------------------------------------------------------------------------------------
# What the SQL may not do, and how it is told


def _read_error(source: Loaded, mapping: Profile) -> ReadError:
    with pytest.raises(ReadError) as exc:
        mapping.read(source, IssueLog())
    message = exc.value.issue().message("en")
    assert "\n" not in message and "Traceback" not in message
    return exc.value


SMALL = Loaded(
    "small.csv", b"Code;Title;Start;End\r\nKZ-1;Portal;2026-01-01;2026-12-31\r\nKZ-2;Archive;2026-02-01;2026-11-30\r\n"
)


def _sql_profile(sql: str, extra: str = "") -> Profile:
    return profile_from_toml(f'name = "x"\n[[target]]\ntable = "projects"\nsql = """{sql}"""\n{extra}')


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("SELECT Code AS project_id, Nope AS name FROM src", ['Referenced column "Nope" not found']),
        ("SELECT * FROM projects_table", ["projects_table does not exist"]),
        ("SELECT 1/0 AS project_id, CAST('x' AS INTEGER) AS name FROM src", ["Could not convert string 'x'"]),
    ],
)
def test_an_sql_error_is_a_message_naming_the_target(sql: str, words: list[str]) -> None:
    error = _read_error(SMALL, _sql_profile(sql))
    assert error.code == "mapping_sql"
    message = error.issue().message("en")
    assert message.startswith("The profile's SQL for 'Projects' failed: ")
    for word in words:
        assert word in message
    assert error.issue().message("kk").startswith("Профильдегі «Жобалар» кестесіне арналған SQL сұрауы орындалмады")


def test_an_sql_error_through_the_importer(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    source = tmp_path / "small.csv"
    source.write_bytes(SMALL.data)
    (error,) = refused(empty_con, [source], _sql_profile("SELECT Code AS project_id, Nope AS name FROM src"))
    assert (error.code, error.file) == ("mapping_sql", "small.csv")
    assert 'Referenced column "Nope" not found' in error.message("ru")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT content AS name FROM read_text('/etc/passwd')",
        "SELECT file AS name FROM glob('/etc/*')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM read_csv_auto('https://example.org/x.csv')",
        "SELECT * FROM sniff_csv('/etc/passwd')",
    ],
)
def test_sql_cannot_reach_files(sql: str) -> None:
    error = _read_error(SMALL, _sql_profile(sql))
    assert error.code == "mapping_sql"
    message = error.issue().message("en")
    assert "file system operations are disabled by configuration" in message or (
        "Table with name /etc/passwd does not exist" in message
    ), message
    assert "root:" not in message  # nothing of the file comes back


def test_sql_sees_no_python_variable() -> None:
    """DuckDB's Python client would read a DataFrame by its variable name: not here."""
    import pandas as pd

    secret = pd.DataFrame({"project_id": ["leak"]})  # noqa: F841 - the name the SQL asks for
    with pytest.raises(ReadError) as exc:
        profile_sql.run(
            "SELECT * FROM secret", {"src": profile_sql.Rows(["a"], [["x"]], [2])}, target="projects", file="f"
        )
    assert "secret does not exist" in str(exc.value.params["reason"])


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("COPY (SELECT 1) TO '/tmp/pmo_copy.csv'", ["only a SELECT", "COPY"]),
        ("ATTACH '/tmp/pmo_attach.duckdb'", ["only a SELECT", "ATTACH"]),
        ("INSTALL httpfs", ["only a SELECT"]),
        ("SET enable_external_access = true", ["only a SELECT", "SET"]),
        ("SELECT 1 AS project_id; SELECT 2 AS project_id", ["one SELECT statement is expected, not 2"]),
        ("SELEC project_id FROM src", ["syntax error"]),
    ],
)
def test_a_profile_whose_sql_is_not_one_select_does_not_load(tmp_path: Path, sql: str, words: list[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'name = "x"\n[[target]]\ntable = "projects"\nsql = """{sql}"""\n', encoding="utf-8")
    with pytest.raises(ReadError) as exc:
        load_profile(path)
    assert exc.value.code == "mapping_invalid"
    message = exc.value.issue().message("en")
    assert "target.0" in message and "'projects'" in message
    for word in words:
        assert word in message
    assert not Path("/tmp/pmo_copy.csv").exists() and not Path("/tmp/pmo_attach.duckdb").exists()


def test_an_output_column_the_contract_lacks_is_told() -> None:
    error = _read_error(SMALL, _sql_profile("SELECT Code AS project_id, Title AS name, Title AS colour FROM src"))
    assert error.code == "mapping_sql_column"
    message = error.issue().message("en")
    assert message.startswith("The profile's SQL for 'Projects' returns the column 'colour', which is not a field")
    assert "project_id, name, program" in message and "reported_rag" in message


def test_an_output_column_twice_or_also_a_constant_is_told() -> None:
    twice = _read_error(SMALL, _sql_profile("SELECT Code AS project_id, Title AS name, Title AS NAME FROM src"))
    assert twice.code == "mapping_sql_twice" and "'NAME' twice" in twice.issue().message("en")
    also = _read_error(
        SMALL, _sql_profile("SELECT Code AS project_id, Title AS name FROM src", 'constants = { name = "x" }')
    )
    assert also.code == "mapping_sql_twice"


def test_a_row_number_that_is_not_one_is_told() -> None:
    error = _read_error(SMALL, _sql_profile("SELECT 'second' AS _row, Code AS project_id FROM src"))
    assert error.code == "mapping_sql_row_number"
    assert error.issue().message("en").startswith("Row 1 of the profile's SQL result for 'Projects' has _row 'second'")


def test_the_result_stops_at_the_row_limit() -> None:
    mapping = _sql_profile("SELECT Code || '-' || range AS project_id FROM src CROSS JOIN range(10)")
    with limits.using(limits.Limits(rows=5)):
        error = _read_error(SMALL, mapping)
    assert error.code == "mapping_sql_rows"
    assert error.issue().message("en") == (
        "The profile's SQL for 'Projects' returns more than 5 rows: filter or group them in the SELECT."
    )


def test_a_query_that_runs_too_long_is_stopped() -> None:
    mapping = _sql_profile("SELECT count(*) AS project_id FROM range(1000000000000)")
    with limits.using(limits.Limits(cpu_seconds=2)):  # stopped after max(5, 2 / 2) seconds
        error = _read_error(SMALL, mapping)
    assert error.code == "mapping_sql_timeout"
    assert error.issue().message("en") == "The profile's SQL for 'Projects' ran longer than 5 s and was stopped."


def test_without_row_the_messages_name_the_sql_result(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    source = tmp_path / "small.csv"
    source.write_bytes(SMALL.data + b"KZ-3;;2026-01-01;2026-12-31\r\n")
    errors = refused(
        empty_con,
        [source],
        _sql_profile('SELECT Code AS project_id, Title AS name, Start AS start_date, "End" AS end_date FROM src'),
    )
    assert [(e.code, e.sheet, e.row, e.column) for e in errors] == [("sql_row", "SQL projects", 3, "name")]
    assert errors[0].message("en") == (
        "Row 3 of the SQL result for 'Projects': Column 'name' is required, but the cell is empty."
    )


def test_the_sql_reads_numbers_and_dates_as_the_sheet_holds_them(tmp_path: Path) -> None:
    """Cells as text: a whole number without ".0", three decimals not mistaken for thousands
    under a decimal comma, a date as ISO, a blank as NULL, a header repeated or missing."""
    sheet = xlsx(
        tmp_path / "cells.xlsx",
        [
            ["Code", "Amount", "Amount", None, "Day"],
            [2275, 24.204, 1.5, "x", D(2026, 11, 23)],
            [None, None, None, None, None],
        ],
    )
    rows = profile_sql.run(
        """SELECT _row, Code, Amount, "Amount #2", D, Day, CAST(Amount AS DOUBLE) AS n FROM src""",
        {"src": _rows(sheet)},
        target="projects",
        file="cells.xlsx",
    )
    assert rows == (
        ["_row", "Code", "Amount", "Amount #2", "D", "Day", "n"],
        [(2, "2275", "24.2040", "1.5", "x", "2026-11-23", 24.204)],  # the blank row 3 is left out
    )
    mapping = profile(
        tmp_path,
        """
name = "x"
[source]
decimal = ","
[[target]]
table = "budget"
sql = "SELECT Code AS project_id, 2026 AS year, Amount AS planned FROM src"
constants = { funding_source = "local_budget" }
""",
    )
    log = IssueLog()
    (table,) = mapping.read(load(sheet), log)
    assert table.frame["planned"].tolist() == [24.204]
    assert log.issues == []


def _rows(path: Path) -> profile_sql.Rows:
    """The first sheet as a source: its first row the header, as written."""
    grid = read_grids(path)[0]
    names = [str(c) if c else "" for c in grid.rows[0]]
    return profile_sql.Rows(names, grid.rows[1:], list(range(2, len(grid.rows) + 1)))


# --------------------------------------------------------------------------------------------
# The new source keys with a column map


def test_headerless_sheet_with_a_column_map(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    source = csv_file(
        tmp_path / "raw.csv",
        [
            ["P-1", "Portal", "01.02.2026", "31.12.2026", "Tax"],
            ["P-2", "Archive", "01.03.2026", "someday", "Tax"],
            ["P-3", "Registry", "01.04.2026", "30.09.2026", ""],
        ],
    )
    mapping = profile(
        tmp_path,
        """
name = "raw"
[source]
header_row = "none"
[[target]]
table = "projects"
skip_invalid_rows = true
columns = { project_id = "A", name = "B", start_date = "C", end_date = "D", program = "E", description = "{E}/{A}" }
""",
    )
    plan = imported(empty_con, [source], mapping)
    assert stored(empty_con, "projects") == [
        row(
            "projects",
            project_id="P-1",
            name="Portal",
            program="Tax",
            start_date=D(2026, 2, 1),
            end_date=D(2026, 12, 31),
            description="Tax/P-1",
        ),
        row(
            "projects",
            project_id="P-3",
            name="Registry",
            start_date=D(2026, 4, 1),
            end_date=D(2026, 9, 30),
            description="/P-3",
        ),
    ]
    assert [(i.code, i.row, i.column) for i in plan.issues] == [("row_skipped", 2, "D")]


def test_transposed_sheet_with_a_column_map(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    source = xlsx(
        tmp_path / "card.xlsx",
        [
            ["Passport of projects"],
            ["Code", "P-7", "P-8"],
            ["Name", "Open data", "Smart roads"],
            ["Start", D(2026, 1, 1), D(2026, 2, 1)],
            ["Finish", D(2026, 12, 31), D(2025, 1, 1)],
        ],
    )
    mapping = profile(
        tmp_path,
        """
name = "card"
[source]
transpose = true
header_row = 1      # read across, the header is column A
[[target]]
table = "projects"
columns = { project_id = "Code", name = "Name", start_date = "Start", end_date = "Finish" }
""",
    )
    errors = refused(empty_con, [source], mapping)
    assert [(e.code, e.row, e.column) for e in errors] == [("across", None, "Finish")]
    assert errors[0].message("en") == (
        "The record in column C (one record per column): 'Finish' (01.01.2025) is before 'Start' (01.02.2026)."
    )


def test_a_date_order_per_field(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    """Day-first dates, but the end dates month-first: 12/01/2026 is the first of December."""
    source = csv_file(
        tmp_path / "dates.csv",
        [
            ["Code", "Title", "Begins", "Ends", "Approved"],
            ["D-1", "One", "03.04.2026", "04/30/2026", "03.04.2026"],
            ["D-2", "Two", "01.05.2026", "12/01/2026", "02.05.2026"],
            ["D-3", "Three", "01.05.2026", "31/12/2026", ""],
            ["D-4", "Four", "01.06.2026", "TBC", "05/06/2026"],
        ],
    )
    mapping = profile(
        tmp_path,
        """
name = "dates"
[[target]]
table = "projects"
skip_invalid_rows = true
columns = { project_id = "Code", name = "Title", start_date = "Begins", end_date = "Ends", approved_on = "Approved" }
dates = { end_date = "month_first", approved_on = "month_first" }
values.end_date = { "TBC" = "12/31/2026" }
""",
    )
    plan = imported(empty_con, [source], mapping)
    assert stored(empty_con, "projects") == [
        row(
            "projects",
            project_id="D-1",
            name="One",
            start_date=D(2026, 4, 3),
            end_date=D(2026, 4, 30),
            approved_on=D(2026, 3, 4),
        ),
        row(
            "projects",
            project_id="D-2",
            name="Two",
            start_date=D(2026, 5, 1),
            end_date=D(2026, 12, 1),
            approved_on=D(2026, 2, 5),
        ),
        row(
            "projects",
            project_id="D-4",
            name="Four",
            start_date=D(2026, 6, 1),
            end_date=D(2026, 12, 31),
            approved_on=D(2026, 5, 6),
        ),
    ]
    (skipped,) = plan.issues  # read day-first, 31/12/2026 would pass: month-first it does not
    assert (skipped.row, skipped.column, skipped.value) == (4, "Ends", "31/12/2026")
    assert "'31/12/2026' is not a date" in skipped.message("en")


def test_a_date_order_per_field_of_an_sql_target_and_of_a_shared_column(tmp_path: Path) -> None:
    source = Loaded("d.csv", b"Code;Day\r\nX-1;03/02/2026\r\n")
    mapping = profile_from_toml(
        """
name = "x"
[[target]]
table = "projects"
sql = "SELECT Code AS project_id, Code AS name, Day AS start_date, Day AS end_date FROM src"
dates = { end_date = "month_first" }
[[target]]
table = "projects"
columns = { project_id = "Code", name = "Code", start_date = "Day", end_date = "Day" }
dates = { end_date = "month_first" }
"""
    )
    log = IssueLog()
    for table in mapping.read(source, log):
        assert table.frame[["start_date", "end_date"]].iloc[0].tolist() == [
            dt.datetime(2026, 2, 3),
            dt.datetime(2026, 3, 2),
        ]
    assert log.issues == []


def test_null_values_match_the_trimmed_cell(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    source = csv_file(
        tmp_path / "nulls.csv",
        [
            ["Code", "Title", "Start", "End", "Programme"],
            ["N-1", "One", "2026-01-01", "2026-12-31", "  N/A "],
            ["N-2", "Two", "2026-01-01", "2026-12-31", "n/a"],
            ["N-3", "Three", "2026-01-01", "2026-12-31", "NA/NB"],
        ],
    )
    mapping = profile(
        tmp_path,
        """
name = "nulls"
[source]
null_values = ["^N/A$"]
[[target]]
table = "projects"
columns = { project_id = "Code", name = "Title", start_date = "Start", end_date = "End", program = "Programme" }
""",
    )
    plan = imported(empty_con, [source], mapping)
    assert [r[FIELDS["projects"].index("program")] for r in stored(empty_con, "projects")] == [None, None, "NA/NB"]
    assert [(i.code, i.row, i.value) for i in plan.issues] == [
        ("value_withheld", 2, "  N/A "),
        ("value_withheld", 3, "n/a"),
    ]


def test_hundreds_of_skipped_rows_stay_warnings(tmp_path: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    """722 rows without their required start date: each is left out, the first 200 named, the
    rest counted in one line, and all of it is a warning, so the other 78 rows are imported."""
    rows = [["Code", "Title", "Start", "End"]]
    rows += [
        [f"S-{i:03}", f"Project {i}", "" if i % 10 < 9 or i >= 780 else "2026-01-01", "2026-12-31"] for i in range(800)
    ]
    source = csv_file(tmp_path / "many.csv", rows)
    blank = sum(1 for r in rows[1:] if not r[2])
    assert blank == 722
    mapping = profile(
        tmp_path,
        """
name = "many"
[[target]]
table = "projects"
skip_invalid_rows = true
columns = { project_id = "Code", name = "Title", start_date = "Start", end_date = "End" }
""",
    )
    plan = imported(empty_con, [source], mapping)
    assert len(stored(empty_con, "projects")) == 800 - 722
    assert Counter((i.level, i.code) for i in plan.issues) == {
        ("warning", "row_skipped"): MAX_ISSUES_PER_KIND,
        ("warning", "more_issues"): 1,
    }
    (more,) = [i for i in plan.issues if i.code == "more_issues"]
    assert more.message("en") == f"{722 - MAX_ISSUES_PER_KIND} more like this in this column."
    skipped = sorted(int(i.row) for i in plan.issues if i.code == "row_skipped" and i.row is not None)
    assert skipped == [i + 2 for i, r in enumerate(rows[1:]) if not r[2]][:MAX_ISSUES_PER_KIND]


def test_new_keys_round_trip_through_toml(tmp_path: Path) -> None:
    text = (
        JOIN
        + """
[[target]]
table = "budget"
skip_invalid_rows = true
sql = '''SELECT Code AS project_id, 2026 AS year, 1.5 AS planned FROM src -- it's "quoted"'''
constants = { funding_source = "local_budget" }
[[target]]
table = "projects"
columns = { project_id = "Code", name = "Title", start_date = "Start", end_date = "End" }
dates = { end_date = "month_first" }
"""
    ).replace('sheet = "Projects"', 'sheet = "Projects"\nheader_row = "none"\ntranspose = true\nthousands = ","')
    mapping = profile_from_toml(text)
    again = profile_from_toml(mapping.to_toml())
    assert again.model_dump() == mapping.model_dump()
    assert "sql = '''\nSELECT p._row" in mapping.to_toml()  # a query reads as it was written


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            '[[target]]\ntable = "projects"\nsql = "SELECT 1"\ncolumns = { name = "x" }\n',
            ["with sql, the SELECT gives the fields; leave out columns"],
        ),
        ('[sources.SRC]\nfile = "a.csv"\n', ["'SRC': a source is named like an SQL table"]),
        ('[sources.src]\nfile = "a.csv"\n', ["not 'src'"]),
        ('[sources.rates]\nfile = "/etc/passwd"\n', ["relative to the profile's folder"]),
        ('[sources.rates]\nfile = "../secret.csv"\n', ["relative to the profile's folder"]),
        ('[sources.rates]\nfile = "C:\\\\data\\\\x.csv"\n', ["relative to the profile's folder"]),
        ('[sources.rates]\nsheet = "x"\n', ["sources.rates.file", "Field required"]),
        ("[source]\nheader_row = 0\n", ["header row is a row number from 1"]),
        ('[source]\nheader_row = "never"\n', ["source.header_row"]),
        (
            '[[target]]\ntable = "projects"\nsql = "SELECT 1"\ndates = { name = "month_first" }\n',
            ["'name' is not a date field"],
        ),
        (
            '[[target]]\ntable = "projects"\nsql = "SELECT 1"\ndates = { end_date = "year_first" }\n',
            ["target.0.dates.end_date", "month_first"],
        ),
    ],
)
def test_bad_new_keys_are_told(tmp_path: Path, text: str, words: list[str]) -> None:
    body = text if "[[target]]" in text else text + '[[target]]\ntable = "projects"\nsql = "SELECT 1"\n'
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\n' + body, encoding="utf-8")
    with pytest.raises(ReadError) as exc:
        load_profile(path)
    message = exc.value.issue().message("en")
    for word in words:
        assert word in message, message


def test_two_files_joined_through_the_command_line(tmp_path: Path) -> None:
    """``pmo import projects.xlsx people.csv --mapping p.toml``: the profile (elsewhere, without
    the source beside it) takes people.csv as its source; both files are in the batch."""
    from pmo.cli import main

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    main_file, people = _join_files(uploads)
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "join.toml").write_text(JOIN, encoding="utf-8")
    db = tmp_path / "cli.duckdb"
    out = io.StringIO()
    code = main(
        [
            "import",
            str(main_file),
            str(people),
            "--mapping",
            str(profiles / "join.toml"),
            "--db",
            str(db),
            "--lang",
            "en",
        ],
        out,
    )
    assert code == 0, out.getvalue()
    con = store.connect(db, read_only=True)
    try:
        assert stored(con, "projects") == JOINED
        files = con.execute("SELECT file_name FROM batch_files ORDER BY file_name").fetchall()
        assert files == [("people.csv",), ("projects.xlsx",)]
    finally:
        con.close()
