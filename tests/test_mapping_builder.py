"""Building a mapping profile a choice at a time (the Upload page's mapping step)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from pydantic import ValidationError

from loaders import audit, profiles
from loaders import mapping_builder as mb
from loaders.access import AccessDenied, Role
from loaders.importer import prepare
from loaders.mapping import Profile
from loaders.reader import Grid, Loaded, read_grids
from tests.builders import as_user
from tests.foreign import UK_HEADERS, uk_export

BAD = Path(__file__).parent / "data" / "bad"
BASELINE = Path(__file__).parent / "data" / "baseline.xlsx"

FOREIGN = (
    b"Register of projects\n"
    b"\n"
    b"Code;Caption;Begins;Ends;Condition;Money\n"
    b"X-1;Customs portal;01.02.2026;31.12.2026;Running;1 200,5\n"
    b"X-2;Tax app;15.03.2026;30.06.2027;Stopped;\n"
    b"X-3;Old system;01.01.2024;31.12.2025;Running;300\n"
)


def _grid() -> Grid:
    return read_grids(Loaded("register.csv", FOREIGN))[0]


def test_foreign_files_are_those_with_no_recognised_table(empty_con: duckdb.DuckDBPyConnection) -> None:
    files = [Loaded("register.csv", FOREIGN), Loaded(BASELINE.name, BASELINE.read_bytes())]
    plan = prepare(empty_con, files)
    assert mb.foreign_files(plan) == ["register.csv"]
    # a file that cannot be read at all is not "foreign": it is an error of its own
    broken = prepare(empty_con, [Loaded("x.csv", (BAD / "pdf_renamed.csv").read_bytes())])
    assert mb.foreign_files(broken) == []


def test_an_export_that_hardly_fits_a_table_is_foreign_not_a_table_of_errors(
    empty_con: duckdb.DuckDBPyConnection,
) -> None:
    plan = prepare(empty_con, [Loaded("gmpp_style.csv", uk_export())])
    # read as it is, it is taken for the projects table: every row an error about a blank ID
    assert {i.code for i in plan.validation.errors} >= {"missing_column", "duplicate_key"}
    assert mb.foreign_files(plan) == ["gmpp_style.csv"]
    (match,) = mb.poor_matches(plan)
    assert (match.table, match.place, match.missing) == ("projects", "gmpp_style.csv", ("project_id",))
    assert match.known == ("project_name", "start_date", "end_date")
    assert match.total == len(UK_HEADERS)
    assert set(match.unknown) == set(UK_HEADERS) - set(match.known)


def test_which_sheets_fit_their_table_well_enough(empty_con: duckdb.DuckDBPyConnection) -> None:
    ours = "project_id,name,start_date,end_date,status\nP1,Portal,01.01.2026,31.12.2026,execution\n"
    extra = "".join(f",note {i}" for i in range(6))
    wide = ours.replace("status\n", f"status{extra}\n").replace("execution\n", "execution" + "," * 6 + "\n")
    no_id = "name,start_date,end_date,status\nPortal,01.01.2026,31.12.2026,execution\n"

    def foreign(name: str, text: str) -> list[str]:
        return mb.foreign_files(prepare(empty_con, [Loaded(name, text.encode())]))

    assert foreign("export.csv", ours) == []  # our headers, whatever the file is called
    assert foreign("projects.csv", wide) == []  # named for the table: extra columns are warnings
    assert foreign("export.csv", wide) == ["export.csv"]  # fewer than half of its headers are ours
    assert foreign("export.csv", no_id) == ["export.csv"]  # a required column is missing
    assert foreign("projects.csv", no_id) == []  # meant as our table: the error says what to add
    # the template's own sheet without a required column stays an error to correct
    bad = prepare(empty_con, [Loaded("m.xlsx", (BAD / "missing_required_column.xlsx").read_bytes())])
    assert mb.foreign_files(bad) == [] and mb.poor_matches(bad) == []


def test_header_row_guess_skips_the_title_and_lists_the_headers() -> None:
    grid = _grid()
    idx = mb.guess_header_row(grid)
    assert idx == 2
    assert mb.headers(grid, idx) == ["Code", "Caption", "Begins", "Ends", "Condition", "Money"]
    assert mb.headers(grid, 99) == []


def test_suggestions_use_known_spellings() -> None:
    assert mb.suggest_columns("projects", ["Код проекта", "Caption", "start_date", "Жоба атауы"]) == {
        "project_id": "Код проекта",
        "start_date": "start_date",
        "name": "Жоба атауы",
    }


def test_values_of_a_column_and_those_an_enum_cannot_read() -> None:
    grid = _grid()
    values, more = mb.column_values(grid, 2, "condition")  # headers match ignoring case
    assert (values, more) == (["Running", "Stopped"], False)
    assert mb.column_values(grid, 2, "Code", limit=2) == (["X-1", "X-2"], True)
    assert mb.column_values(grid, 2, "Nope") == ([], False)
    assert mb.unreadable_values("projects", "status", ["Running", "исполнение", "completed"]) == ["Running"]
    assert mb.unreadable_values("projects", "name", ["anything"]) == []


def test_missing_required_counts_columns_and_constants() -> None:
    cols = {"project_id": "Code", "name": None, "start_date": "Begins"}
    assert mb.missing_required("projects", cols, {"end_date": ""}) == ["name", "end_date"]
    assert mb.missing_required("projects", cols, {"name": "x", "end_date": "31.12.2026"}) == []


def _profile() -> Profile:
    return mb.build_profile(
        "Register of projects",
        table="projects",
        columns={
            "project_id": "Code",
            "name": "Caption",
            "start_date": "Begins",
            "end_date": "Ends",
            "status": "Condition",
        },
        header_row="auto",
        constants={"program": "Customs", "status": "planning", "curator": None},
        values={"status": {"Running": "execution", "Stopped": "suspended", "Other": None}},
    )


def test_built_profile_reads_the_file(empty_con: duckdb.DuckDBPyConnection) -> None:
    profile = _profile()
    target = profile.targets[0]
    assert target.constants == {"program": "Customs"}  # a constant for a mapped field is dropped
    assert target.values == {"status": {"Running": "execution", "Stopped": "suspended"}}
    plan = prepare(empty_con, [Loaded("register.csv", FOREIGN)], mapping=profile)
    assert plan.ok, [i.message("en") for i in plan.issues]
    frame = plan.validation.tables["projects"]
    assert list(frame["status"]) == ["execution", "suspended", "execution"]
    assert set(frame["program"]) == {"Customs"}
    assert plan.diffs["projects"].counts.inserted == 3


def test_an_unmapped_required_field_does_not_build() -> None:
    with pytest.raises(ValidationError):
        mb.build_profile("x", table="projects", columns={"project_id": "Code"})


def test_saved_profiles_are_named_safely_never_replace_a_shipped_one_and_are_audited(
    empty_con: duckdb.DuckDBPyConnection,
) -> None:
    assert mb.profile_stem("../../etc/passwd") == "etc_passwd"
    assert mb.profile_stem("  Кедендік тізілім 2026 ") == "кедендік_тізілім_2026"
    assert mb.profile_stem("...") == "profile"
    coordinator = as_user("Aliya")
    assert profiles.save(empty_con, coordinator, _profile(), "Register of projects") == "register_of_projects"
    assert profiles.load(empty_con, "register_of_projects") == _profile()
    with pytest.raises(profiles.ProfileError) as err:
        profiles.save(empty_con, coordinator, _profile(), "Register of projects")
    assert err.value.code == "exists"
    profiles.save(empty_con, coordinator, _profile(), "Register of projects", overwrite=True)
    shipped = next(iter(profiles.shipped()))
    before = (profiles.SHIPPED_DIR / f"{shipped}.toml").read_bytes()
    with pytest.raises(profiles.ProfileError) as err:
        profiles.save(empty_con, coordinator, _profile(), shipped, overwrite=True)
    assert err.value.code == "shipped"
    assert (profiles.SHIPPED_DIR / f"{shipped}.toml").read_bytes() == before
    with pytest.raises(AccessDenied):
        profiles.save(empty_con, as_user("Dana", Role.PROJECT_MANAGER), _profile(), "mine")
    saved = [e.stem for e in profiles.listing(empty_con) if not e.shipped]
    assert saved == ["register_of_projects"]
    log = audit.entries(empty_con, as_user("auditor"), actions=("profile_save",))
    assert log["target"].tolist() == ["register_of_projects", "register_of_projects"]
    assert set(log["actor"]) == {"Aliya"}


def test_for_files_maps_only_the_named_files(empty_con: duckdb.DuckDBPyConnection) -> None:
    files = [Loaded("register.csv", FOREIGN), Loaded(BASELINE.name, BASELINE.read_bytes())]
    plan = prepare(empty_con, files, mapping=mb.ForFiles(_profile(), frozenset({"register.csv"})))
    assert plan.ok, [i.message("en") for i in plan.issues]
    assert plan.diffs["projects"].counts.inserted == 4  # three mapped, P-01 from the template
    assert "indicators" in plan.diffs
