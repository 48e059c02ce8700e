"""Passport changes of existing projects, summarised in words for the Upload page's preview."""

from __future__ import annotations

import duckdb
import pandas as pd

from loaders import preview
from loaders.importer import TableDiff, prepare
from loaders.reader import Loaded
from loaders.store import TableCounts
from ui.safe import md


def _diff(rows: list[tuple[str, str, str | None, str | None]]) -> dict[str, TableDiff]:
    """The projects' diff as the importer gives it: one line per changed value, values as text."""
    changes = pd.DataFrame(
        [
            {"_row": i + 2, "project_id": pid, "field": f, "old": old, "new": new}
            for i, (pid, f, old, new) in enumerate(rows)
        ]
    )
    return {"projects": TableDiff("projects", TableCounts(0, len(rows), 0), changes)}


RENAMES = [(f"P{i:02}", "name", f"Old {i}", f"New {i}") for i in range(1, 8)]


def test_changes_are_grouped_by_field_in_a_fixed_order() -> None:
    diffs = _diff(
        [
            ("P04", "end_date", "2026-06-30", "2026-12-31"),
            ("P01", "status", "execution", "suspended"),  # not a passport change the summary watches
            *RENAMES,
            ("P02", "program", None, "Customs"),
            ("P03", "curator", "A. Bekov", "B. Sadykova"),
        ]
    )
    found = preview.passport_changes(diffs)
    assert [c.field for c in found] == ["name", "program", "curator", "end_date"]
    assert found[1].changes == (preview.Change("P02", None, "Customs"),)
    assert len(found[0].changes) == 7


def test_lines_in_each_language_with_dates_as_people_write_them() -> None:
    diffs = _diff([*RENAMES, ("P04", "end_date", "2026-06-30", "2026-12-31"), ("P02", "program", None, "Customs")])
    en = preview.passport_warnings(diffs, "en")
    assert en == [
        "7 projects are renamed: P01: 'Old 1' → 'New 1'; P02: 'Old 2' → 'New 2'; P03: 'Old 3' → 'New 3'; "
        "P04: 'Old 4' → 'New 4'; P05: 'Old 5' → 'New 5' and 2 more",
        "Program changes for P02: — → 'Customs'",
        "End date (passport deadline) moves for P04: 30.06.2026 → 31.12.2026",
    ]
    kk = preview.passport_warnings(diffs, "kk")
    assert kk[0].startswith("7 жобаның атауы өзгереді: P01: «Old 1» → «New 1»;")
    assert kk[0].endswith("және тағы 2")
    assert kk[2] == "P04 жобасының паспорт бойынша аяқталу мерзімі ауысады: 30.06.2026 → 31.12.2026"
    ru = preview.passport_warnings(diffs, "ru")
    assert ru[1] == "Меняется программа проекта P02: — → «Customs»"


def test_values_from_the_file_are_quoted_for_where_they_are_shown() -> None:
    diffs = _diff([("P01", "name", "Plain", "**Bold** [link](http://x.kz)")])
    (line,) = preview.passport_warnings(diffs, "en", md)
    assert "\\*\\*Bold\\*\\* \\[link\\]" in line  # markup from the file stays text on the page
    assert line.startswith("Project P01 is renamed: 'Plain' → ")


def test_new_projects_and_a_first_load_are_not_changes(baseline_con: duckdb.DuckDBPyConnection) -> None:
    assert preview.passport_changes({}) == []
    upload = (
        b"project_id,name,start_date,end_date,status\n"
        b"P-01,E-government platform 2.0,01.01.2026,30.06.2027,execution\n"
        b"P-02,A new project,01.02.2026,31.12.2026,planning\n"
    )
    plan = prepare(baseline_con, [Loaded("projects.csv", upload)])
    assert plan.ok, [i.message("en") for i in plan.issues]
    assert preview.passport_warnings(plan.diffs, "en") == [
        "Project P-01 is renamed: 'E-government platform' → 'E-government platform 2.0'",
        "End date (passport deadline) moves for P-01: 31.12.2026 → 30.06.2027",
    ]
