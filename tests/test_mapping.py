"""Mapping profiles: bad profiles are told clearly; the shipped profiles import the real exports."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from loaders import store
from loaders.importer import ImportPlan, import_files
from loaders.issues import ReadError
from loaders.mapping import Profile, load_profile, profile_from_toml
from tests.builders import as_user

ROOT = Path(__file__).resolve().parents[1]
MAPPINGS = ROOT / "data" / "mappings"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

GOOD_TARGET = """
[[target]]
table = "projects"
columns = { project_id = "Code", name = "Title", start_date = "Start", end_date = "Finish" }
"""


def _load_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad_profile.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReadError) as exc:
        load_profile(path)
    assert exc.value.code == "mapping_invalid"
    message = exc.value.issue().message("en")
    assert "bad_profile.toml" in message
    # the same text through profile_from_toml (what the Upload page saves) fails the same way
    with pytest.raises(ReadError) as again:
        profile_from_toml(text, "pasted.toml")
    assert again.value.code == "mapping_invalid"
    assert "pasted.toml" in again.value.issue().message("en")
    return message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('name = "x"\n[[target]]\ntable = "portfolio"\n', ["unknown table 'portfolio'", "projects"]),
        (
            'name = "x"\n[[target]]\ntable = "projects"\n'
            'columns = { project_id = "a", name = "b", start_date = "c", end_date = "d", colour = "e" }\n',
            ["no field 'colour'"],
        ),
        (
            'name = "x"\n[[target]]\ntable = "projects"\n'
            'columns = { project_id = "a", name = "b", start_date = "c" }\n',
            ["required fields not mapped: end_date"],
        ),
        (
            'name = "x"\n[[target]]\ntable = "budget"\ncolumns = { project_id = "a", year = "y" }\n',
            ["required fields not mapped", "funding_source", "planned"],
        ),
        (
            'name = "x"\n[[target]]\ntable = "projects"\nvalues.shade = { "Red" = "high" }\n'
            'columns = { project_id = "a", name = "b", start_date = "c", end_date = "d" }\n',
            ["no field 'shade'"],
        ),
        ('name = "x"\n', ["target", "required"]),
        ('name = "x"\nbogus = 1\n' + GOOD_TARGET, ["bogus"]),
        ('name = "x"\n[source]\ndates = "sideways"\n' + GOOD_TARGET, ["source.dates", "day_first"]),
        ('name = "x"\n[source]\nnull_values = ["([unclosed"]\n' + GOOD_TARGET, ["([unclosed", "regular expression"]),
        ('name = "x"\n[[target]\ntable = "projects"\n', ["line 2"]),  # bad TOML
        ('name = \n[[target]]\ntable = "projects"\n', ["line 1"]),
    ],
)
def test_bad_profiles_are_read_errors_naming_the_problem(tmp_path: Path, text: str, words: list[str]) -> None:
    message = _load_error(tmp_path, text)
    for word in words:
        assert word in message
    assert "errors.pydantic.dev" not in message and "\n" not in message


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as exc:
        load_profile(tmp_path / "nowhere.toml")
    assert exc.value.code == "mapping_invalid"
    assert "nowhere.toml" in exc.value.issue().message("ru")


@pytest.mark.parametrize("path", sorted(MAPPINGS.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_profiles_round_trip_through_toml(path: Path) -> None:
    profile = load_profile(path)
    again = profile_from_toml(profile.to_toml())
    assert again.model_dump() == profile.model_dump()


def test_round_trip_of_awkward_strings() -> None:
    profile = Profile.model_validate(
        {
            "name": 'Export "v2" \\ backslash',
            "description": "two\r\nlines\tand a tab",
            "source": {"sheet": 3, "header_row": 2, "null_values": [r"^\s*n/?a\s*$"], "decimal": "."},
            "target": [
                {
                    "table": "projects",
                    "skip_invalid_rows": True,
                    "columns": {
                        "project_id": "{Loan\nNumber}-{Part}",
                        "name": ["Project name", "Title\r(old)"],
                        "start_date": "Start",
                        "end_date": "Finish",
                    },
                    "values": {"status": {"On track": "execution", "Закрыт": "completed"}},
                    "constants": {"program": "ADB"},
                },
                {
                    "table": "risks",
                    "columns": {"risk_id": "R", "project_id": "P", "title": "T"},
                    "constants": {"probability": 3, "impact": 2.0},
                },
            ],
        }
    )
    again = profile_from_toml(profile.to_toml())
    assert again.model_dump() == profile.model_dump()


# --------------------------------------------------------------------------------------------
# A small foreign export, built here: runs without the real data


def test_profile_reads_a_foreign_csv(tmp_path: Path) -> None:
    export = (
        "Ref;Title;Dept;Begins;Ends;RAG;Money\r\n"
        "A-1;Portal;Tax;2026-01-01;2026-12-31;On track;1,234.50\r\n"
        'A-2;"Customs;\r\nphase 2";Customs;2026-02-01;Exempt (s.43);Late;\r\n'
        "A-3;Archive;Tax;2026-03-01;2027-03-01;Closed;10\r\n"
    ).encode("cp1252")
    profile = profile_from_toml(
        """
name = "foreign"
[source]
delimiter = ";"
decimal = "."
null_values = ["^Exempt"]
[[target]]
table = "projects"
skip_invalid_rows = true
values.status = { "On track" = "execution", "Late" = "execution", "Closed" = "completed" }
[target.columns]
project_id = "Ref"
name = "Title"
program = "Dept"
start_date = "Begins"
end_date = "Ends"
status = "RAG"
description = "{Dept}/{Ref}"
[[target]]
table = "budget"
skip_invalid_rows = true
columns = { project_id = "Ref", planned = "Money" }
constants = { year = 2026, funding_source = "local_budget" }
"""
    )
    export_path = tmp_path / "export.csv"
    export_path.write_bytes(export)
    con = store.connect(":memory:")
    plan, batch = import_files(con, [export_path], actor=as_user("t"), mapping=profile)
    assert batch == 1, [i.message("en") for i in plan.issues]
    assert con.execute("SELECT project_id, status, description FROM projects ORDER BY 1").fetchall() == [
        ("A-1", "execution", "Tax/A-1"),
        ("A-3", "completed", "Tax/A-3"),
    ]
    assert con.execute("SELECT project_id, year, funding_source, planned FROM budget ORDER BY 1").fetchall() == [
        ("A-1", 2026, "local_budget", 1234.5),
        ("A-3", 2026, "local_budget", 10.0),
    ]
    codes = Counter((i.level, i.code, i.row) for i in plan.issues)
    assert codes == Counter(
        {
            ("warning", "value_withheld", 3): 1,
            ("warning", "row_skipped", 3): 2,  # no end date for the project; its budget is blank
        }
    )


# --------------------------------------------------------------------------------------------
# The real exports (../shared/realdata): never copied into the project

realdata = pytest.mark.skipif(not REALDATA.is_dir(), reason=f"real exports not found at {REALDATA}")


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = store.connect(":memory:")
    yield c
    c.close()


def _import(con: duckdb.DuckDBPyConnection, file: str, profile: str) -> ImportPlan:
    plan, batch = import_files(
        con, [REALDATA / file], actor=as_user("t"), mapping=load_profile(MAPPINGS / f"{profile}.toml")
    )
    assert [i.message("en") for i in plan.validation.errors] == []
    assert batch == 1
    assert {i.code for i in plan.issues} <= {"value_withheld", "row_skipped"}
    assert all(i.level == "warning" for i in plan.issues)
    return plan


def _csv(file: str, delimiter: str) -> list[dict[str, str]]:
    with (REALDATA / file).open(encoding="cp1252", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _dmy(text: str) -> dt.date:
    d, m, y = (int(x) for x in text.split("."))
    return dt.date(2000 + y if y < 70 else 1900 + y, m, d)


def _day(value: object) -> dt.date:
    assert isinstance(value, dt.date)
    return value.date() if isinstance(value, dt.datetime) else value


def _pounds(text: str) -> float:
    return float(text.strip().removeprefix("£").replace(",", ""))


MONEY = re.compile(r"£[\d,]+(?:\.\d+)?")


def _skipped_rows(plan: ImportPlan) -> set[int]:
    return {int(i.row) for i in plan.issues if i.code == "row_skipped" and i.row is not None}


@realdata
@pytest.mark.realdata
def test_gmpp_2019(con: duckdb.DuckDBPyConnection) -> None:
    rows = _csv("gmpp_2019.csv", ",")
    assert len(rows) == 133
    dated = [r for r in rows if re.fullmatch(r"\d\d\.\d\d\.\d\d", r["start_date"])]
    dated = [r for r in dated if re.fullmatch(r"\d\d\.\d\d\.\d\d", r["end_date"])]
    funded = [r for r in dated if MONEY.fullmatch(r["yearly_budget"].strip())]

    plan = _import(con, "gmpp_2019.csv", "gmpp_2019")
    assert plan.diffs["projects"].counts.inserted == len(dated) == 127
    assert plan.diffs["budget"].counts.inserted == len(funded) == 118
    # every row left out is told, by its Excel-style row number (header is row 1)
    left_out = {i + 2 for i, r in enumerate(rows) if r not in funded}
    assert _skipped_rows(plan) == left_out

    stored = {
        r[0]: r[1:]
        for r in con.execute("SELECT project_id, start_date, end_date, program, reported_rag FROM projects").fetchall()
    }
    for r in dated:
        rag = None if r["colour_rating"].startswith("Exempt") else r["colour_rating"]  # the source's five-point scale
        assert stored[r["project_name"].strip()] == (_dmy(r["start_date"]), _dmy(r["end_date"]), r["department"], rag)
    assert Counter(v[3] for v in stored.values()) == {
        "Amber": 63,
        "Amber/Red": 38,
        "Amber/Green": 18,
        "Green": 4,
        "Red": 3,
        None: 1,
    }
    budget = {r[0]: r[1:] for r in con.execute("SELECT project_id, year, planned, spent FROM budget").fetchall()}
    for r in funded:
        year, planned, spent = budget[r["project_name"].strip()]
        assert year == int(r["year"]) and planned == pytest.approx(_pounds(r["yearly_budget"]))
        assert spent == (
            pytest.approx(_pounds(r["yearly_forecast"])) if MONEY.fullmatch(r["yearly_forecast"]) else None
        )

    name = "Smart Metering Implementation Programme"
    assert stored[name][:2] == (dt.date(2009, 12, 2), dt.date(2020, 12, 31))
    assert budget[name] == (2019, pytest.approx(1060.97), pytest.approx(1064.04))
    assert budget["Sellafield Model Change  (SMC)"][1:] == (pytest.approx(2292.80), pytest.approx(2038.80))


@realdata
@pytest.mark.realdata
def test_gmpp_2022(con: duckdb.DuckDBPyConnection) -> None:
    rows = _csv("gmpp_2022.csv", ";")
    assert len(rows) == 235
    iso = re.compile(r"\d{4}-\d\d-\d\d")
    dated = [r for r in rows if iso.fullmatch(r["start_date"]) and iso.fullmatch(r["end_date"])]
    funded = [r for r in dated if MONEY.fullmatch(r["total_baseline"].strip())]

    plan = _import(con, "gmpp_2022.csv", "gmpp_2022")
    assert plan.diffs["projects"].counts.inserted == len(dated) == 218
    assert plan.diffs["budget"].counts.inserted == len(funded) == 193
    assert _skipped_rows(plan) == {i + 2 for i, r in enumerate(rows) if r not in funded}

    # the header colour_rating is written twice (the IPA's assessment, then the SRO's): each
    # project has one of them, which is the source's own rating
    with (REALDATA / "gmpp_2022.csv").open(encoding="cp1252", newline="") as fh:
        ratings = {r[1]: (r[6], r[7]) for r in csv.reader(fh, delimiter=";")}
    stored = {
        r[0]: r[1:]
        for r in con.execute("SELECT project_id, name, start_date, end_date, reported_rag FROM projects").fetchall()
    }
    for r in dated:
        start, end = (dt.date.fromisoformat(r[k]) for k in ("start_date", "end_date"))
        rag = next((c for c in ratings[r["project_number"]] if c in ("Red", "Amber", "Green")), None)
        assert stored[r["project_number"]] == (r["project_name"].strip(), start, end, rag)
    assert stored["MOD_0135_2122-Q1"] == (
        "Submarine Dismantling Project",
        dt.date(2013, 3, 29),
        dt.date(2026, 12, 31),
        "Amber",  # the SRO's: the IPA's cell is blank
    )
    assert Counter(v[3] for v in stored.values()) == {"Amber": 166, "Red": 25, "Green": 23, None: 4}
    budget = dict(con.execute("SELECT project_id, planned FROM budget").fetchall())
    for r in funded:
        assert budget[r["project_number"]] == pytest.approx(_pounds(r["total_baseline"]))


@realdata
@pytest.mark.realdata
def test_adb_success_rates_2018(con: duckdb.DuckDBPyConnection) -> None:
    data = pd.read_excel(REALDATA / "adb_success_rates_2018.xlsx", sheet_name="Data", dtype=object, engine="calamine")
    data.columns = [" ".join(str(c).split()) for c in data.columns]
    assert len(data) == 508

    def is_date(v: object) -> bool:
        return isinstance(v, dt.datetime | dt.date)

    loan = data["Loan Number"].map(lambda v: pd.notna(v) and str(v).strip() != "")
    dated = loan & data["Approval date"].map(is_date) & data["Closing date (estimate)"].map(is_date)
    funded = dated & pd.to_numeric(data["Approved amount (USD mil)"], errors="coerce").notna()

    plan = _import(con, "adb_success_rates_2018.xlsx", "adb_success_rates_2018")
    assert plan.diffs["projects"].counts.inserted == int(dated.sum()) == 497
    assert plan.diffs["activities"].counts.inserted == int(dated.sum())
    assert plan.diffs["budget"].counts.inserted == int(funded.sum()) == 496
    # a loan without readable dates is left out, and said; one without an approved amount has
    # no budget line, by the profile's filter, and nothing to say
    assert _skipped_rows(plan) == {int(i) + 2 for i in data.index[~dated]}

    projects = {
        r[0]: r[1:]
        for r in con.execute("SELECT project_id, start_date, reported_rag, description FROM projects").fetchall()
    }
    budget = {r[0]: r[1:] for r in con.execute("SELECT project_id, year, planned, spent FROM budget").fetchall()}
    for _, r in data[dated].iterrows():
        code = r["Loan Number"].strip() if isinstance(r["Loan Number"], str) else str(int(r["Loan Number"]))
        rating = r["Latest overall rating"]
        assert projects[code] == (_day(r["Approval date"]), None if rating == "NA" else rating, r["Country Name"])
        if code in budget:  # the year computed from the approval date, not the sheet's formula
            assert budget[code][0] == _day(r["Approval date"]).year
            assert budget[code][1] == pytest.approx(float(r["Approved amount (USD mil)"]))
    assert len(budget) == int(funded.sum())
    kazakhstan = sorted((k, v[1]) for k, v in projects.items() if v[2] == "Kazakhstan")
    assert kazakhstan == [
        ("2006", "Less than successful"),
        ("2503", "Less than successful"),
        ("2543", "Successful"),
        ("2562", "Successful"),
        ("2689", "Less than successful"),
        ("2697/8251", "Successful"),
    ]

    loan_no = "2245/2246/0080"  # closed two and a half years late, 88 % disbursed
    assert con.execute(
        "SELECT start_date, approved_on, end_date, completed_on, status, description FROM projects "
        "WHERE project_id = ?",
        [loan_no],
    ).fetchone() == (
        dt.date(2006, 7, 24),
        dt.date(2006, 7, 24),
        dt.date(2013, 3, 31),
        dt.date(2015, 9, 30),
        "completed",
        "Uzbekistan",
    )
    assert con.execute(
        "SELECT name, planned_end, actual_end, status FROM activities WHERE activity_id = ?", [f"{loan_no}/closing"]
    ).fetchone() == ("Loan closing", dt.date(2013, 3, 31), dt.date(2015, 9, 30), "done")
    assert con.execute(
        "SELECT year, funding_source, planned, spent FROM budget WHERE project_id = ?", [loan_no]
    ).fetchone() == (2006, "extra_budgetary", 60.2, 52.92)
    assert budget["0178"] == (2009, 24.5, 24.204)  # three decimals: a number, never 24 204
    # a loan number typed as text keeps its leading zero; one typed as a number has no ".0"
    ids = {r[0] for r in con.execute("SELECT project_id FROM projects").fetchall()}
    assert "0178" in ids
    assert not any(i.endswith(".0") for i in ids)


def test_the_gmpp_2019_profile_reads_an_export_with_only_the_columns_it_names(tmp_path: Path) -> None:
    """The Upload page offers the shipped profile for files of the same layout, cut down."""
    export = tmp_path / "gmpp_2019.csv"
    export.write_bytes(
        (
            "project_name,department,colour_rating,description_aims,start_date,end_date,yearly_budget,"
            "yearly_forecast,year,report_category\r\n"
            "Border Systems Programme,HO,Amber/Red,Border control,30.06.08,31.12.26,£40.27,£37.40,2019,ICT\r\n"
            "Heat Networks,BEIS,  Exempt under s.43 ,Heat,25.11.15,31.03.21,£10.40,"
            "Exempt under section 43,2019,Infra\r\n"
        ).encode("cp1252")
    )
    con = store.connect(":memory:")
    plan, batch = import_files(con, [export], actor=as_user("t"), mapping=load_profile(MAPPINGS / "gmpp_2019.toml"))
    assert batch == 1, [i.message("en") for i in plan.issues]
    assert con.execute("SELECT project_id, reported_rag, start_date FROM projects ORDER BY 1").fetchall() == [
        ("Border Systems Programme", "Amber/Red", dt.date(2008, 6, 30)),
        ("Heat Networks", None, dt.date(2015, 11, 25)),
    ]
    assert con.execute("SELECT project_id, year, planned, spent FROM budget ORDER BY 1").fetchall() == [
        ("Border Systems Programme", 2019, 40.27, 37.4),
        ("Heat Networks", 2019, 10.4, None),
    ]
    assert [(i.code, i.row, i.column) for i in plan.issues] == [
        ("value_withheld", 3, "colour_rating"),
        ("value_withheld", 3, "yearly_forecast"),
    ]
