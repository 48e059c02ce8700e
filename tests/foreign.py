"""Exports of other systems, generated for the tests (no third-party file is copied)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from loaders import store
from loaders.importer import import_files
from loaders.reader import Loaded
from tests.builders import as_user

#: The columns of a UK Government Major Projects Portfolio export (GMPP 2019's layout, invented
#: rows): ``project_name``, ``start_date`` and ``end_date`` happen to be our spellings, there is no
#: project ID column, and most of the other headers mean nothing to the dashboard.
UK_HEADERS = (
    "project_name",
    "department",
    "colour_rating",
    "description_aims",
    "rating_comment",
    "start_date",
    "end_date",
    "schedule_comment",
    "yearly_budget",
    "yearly_forecast",
    "wlc_baseline_incl_NCG",
    "variance_comment",
    "budget_comment",
    "year",
    "report_category",
)


def uk_export(rows: int = 12) -> bytes:
    """A generated export in the UK style: a department per row, ratings, £ amounts, day-first dates."""
    departments = ("DfT", "HO", "MOD", "DHSC", "BEIS", "MOJ")
    ratings = ("Amber", "Amber/Green", "Red", "Green", "Amber/Red")
    lines = [",".join(UK_HEADERS)]
    for i in range(rows):
        start, end = f"{1 + i % 28:02}/0{1 + i % 9}/20{10 + i % 9}", f"31/03/20{27 + i % 5}"
        lines.append(
            f'Programme {i + 1},{departments[i % 6]},{ratings[i % 5]},"Deliver, safely, item {i + 1}",'
            f"Rated as shown,{start},{end},On track,£{10 + i}.5,£{11 + i}.25,£{300 + i},Within 5%,None,2019,"
            "Infrastructure and Construction"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def rate(db: Path, ratings: Mapping[str, str]) -> None:
    """Give projects of the store at ``db`` their source system's own rating (``reported_rag``),
    through the importer as an upload would; every other value of theirs stays as it is."""
    con = store.connect(db)
    try:
        rows = con.execute(
            "SELECT project_id, name, start_date, end_date FROM projects WHERE list_contains(?, project_id)",
            [list(ratings)],
        ).fetchall()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["project_id", "name", "start_date", "end_date", "reported_rag"])
        for pid, name, start, end in rows:
            writer.writerow([pid, name, f"{start:%d.%m.%Y}", f"{end:%d.%m.%Y}", ratings[pid]])
        plan, batch = import_files(con, [Loaded("projects.csv", out.getvalue().encode())], actor=as_user("test"))
        assert batch is not None, [i.message("en") for i in plan.issues]
    finally:
        con.close()
