"""Reading untrusted files cannot hurt the caller: the limits are checked before and after a sheet is
read, and the reader runs in a child process whose abort, crash, hunger or endless loop becomes a
message naming what happened (``loaders.limits``, ``loaders.sandbox``). The same inputs through
the command line end with a message and a non-zero exit, never a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from i18n import t
from loaders import limits, sandbox, store
from loaders.importer import prepare, read_files
from loaders.issues import Issue, ReadError
from loaders.reader import Loaded
from tests.hostile import far_cell_xlsx, zip_bomb_xlsx

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return zip_bomb_xlsx(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")


def only_error(issues: list[Issue]) -> Issue:
    errors = [i for i in issues if i.level == "error"]
    assert len(errors) == 1, [i.message("en") for i in issues]
    return errors[0]


# --------------------------------------------------------------------------------------------
# Limits, each named in its message


def test_a_far_cell_is_refused_before_the_grid_is_made(empty_con: duckdb.DuckDBPyConnection) -> None:
    plan = prepare(empty_con, [Loaded("far.xlsx", far_cell_xlsx())])
    issue = only_error(plan.issues)
    assert issue.code == "limit_rows"
    assert issue.message("en") == (
        "Sheet 'Projects' of 'far.xlsx' reaches cell XFD1048576: 1\u00a0048\u00a0576 rows, the limit is "
        "500\u00a0000. Delete the filled cells below the table and save the file again."
    )
    assert "XFD1048576" in issue.message("kk") and "XFD1048576" in issue.message("ru")


def test_a_far_cell_without_a_declared_extent_is_caught_by_the_reader(empty_con: duckdb.DuckDBPyConnection) -> None:
    """No ``<dimension>`` to read ahead: the sheet's last cell, as calamine finds it, is checked
    before the grid from A1 to it is made (that grid is what aborted the server)."""
    plan = prepare(empty_con, [Loaded("far.xlsx", far_cell_xlsx(dimension=False))])
    issue = only_error(plan.issues)
    assert (issue.code, issue.params["cell"]) == ("limit_rows", "XFD1048576")


def test_a_zip_bomb_is_refused_by_its_declared_size(bomb: Path, empty_con: duckdb.DuckDBPyConnection) -> None:
    assert bomb.stat().st_size < 3 * limits.MB
    plan = prepare(empty_con, [bomb])
    issue = only_error(plan.issues)
    assert issue.code == "limit_unzipped_mb"
    assert issue.message("ru").startswith("Книга «bomb.xlsx» при распаковке занимает 1\u00a0100")


def test_a_zip_bomb_let_past_the_declared_size_is_stopped_by_the_cpu_limit(tmp_path: Path) -> None:
    """With the unpacked-size check out of the way, the reader itself churns through 400 MB of
    empty rows (several seconds): the child's CPU limit stops it and the message says so."""
    rows = zip_bomb_xlsx(tmp_path / "rows.xlsx", unpacked_mb=400, filler=b"<row/>")
    bounds = limits.Limits(unzipped_mb=5_000, cpu_seconds=1)
    _, log = read_files([Loaded("bomb.xlsx", rows.read_bytes())], bounds=bounds)
    issue = only_error(log.finish())
    assert issue.code == "unsafe_read"
    assert issue.message("en") == (
        "The file 'bomb.xlsx' could not be read safely: reading it went over the CPU time limit of 1 s. "
        "Nothing else was affected."
    )


def test_file_size_rows_cells_and_cell_length_limits() -> None:
    csv = b"project_id,name,start_date,end_date\n" + b"".join(
        b"P%d,Project %d,01.01.2026,31.12.2026\n" % (i, i) for i in range(2_000)
    )
    cases = {
        "limit_file_mb": limits.Limits(file_mb=0.01),
        "limit_rows": limits.Limits(rows=1_000),
        "limit_cells": limits.Limits(cells=4_000),
        "limit_cell_chars": limits.Limits(cell_chars=5),
    }
    for code, bounds in cases.items():
        _, log = read_files([Loaded("big.csv", csv)], bounds=bounds)
        issue = only_error(log.finish())
        assert issue.code == code, issue.message("en")
        for lang in ("kk", "ru", "en"):
            assert "big.csv" in issue.message(lang)
    sheets, log = read_files([Loaded("big.csv", csv)])  # within the defaults: read as usual
    assert log.finish() == [] and len(sheets[0].frame) == 2_000


def test_a_long_cell_in_a_workbook_names_the_limit() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:  # the smallest .xlsx: one inline-string cell of 40 000 chars
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Long" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>' + "x" * 40_000 + "</t></is></c></row>"
            "</sheetData></worksheet>",
        )
    _, log = read_files([Loaded("long.xlsx", out.getvalue())])
    issue = only_error(log.finish())
    assert (issue.code, issue.params["sheet"], issue.params["limit"]) == ("limit_cell_chars", "Long", "32\u00a0767")


def test_the_limits_are_settings_of_the_store(empty_con: duckdb.DuckDBPyConnection) -> None:
    from metrics import settings as settings_mod
    from tests.builders import as_user

    settings_mod.set_value(empty_con, "import_rows", 1_000, as_user("admin"))
    csv = b"project_id,name,start_date,end_date\n" + b"P1,A,01.01.2026,31.12.2026\n" * 1_500
    plan = prepare(empty_con, [Loaded("p.csv", csv)])
    assert only_error(plan.issues).code == "limit_rows"
    assert store.data_version(empty_con) == 1  # the setting changed; the refused file changed nothing


# --------------------------------------------------------------------------------------------
# The child process: what stops it becomes a message


def _hungry() -> None:
    hoard = []
    while True:
        hoard.append(bytearray(64 * limits.MB))


def _spinning() -> None:
    while True:
        pass


def _aborting() -> None:
    os.abort()


def _chatty() -> bytes:
    return b"x" * (40 * limits.MB)


def _read_error() -> None:
    raise ReadError("workbook_broken", file="x.xlsx", reason="boom")


@pytest.mark.parametrize(
    ("fn", "bounds", "expected"),
    [
        (_hungry, limits.Limits(memory_mb=300), "reading it went over the memory limit of 300 MB"),
        (_spinning, limits.Limits(cpu_seconds=1), "reading it went over the CPU time limit of 1 s"),
        (_aborting, limits.Limits(), "the reader crashed (SIGABRT)"),
        (_chatty, limits.Limits(output_mb=16), "what it holds went over the limit of 16 MB"),
    ],
)
def test_what_stops_the_reader_is_a_message(fn: object, bounds: limits.Limits, expected: str) -> None:
    with pytest.raises(ReadError) as err:
        sandbox.run(fn, file="x.xlsx", limits=bounds)  # type: ignore[arg-type]
    assert err.value.code == "unsafe_read"
    message = err.value.issue().message("en")
    assert message == f"The file 'x.xlsx' could not be read safely: {expected}. Nothing else was affected."
    assert t("issue.unsafe_read", "kk", file="x", reason="y").startswith("«x» файлын қауіпсіз оқу")


def test_a_readers_own_error_comes_back_as_it_is() -> None:
    with pytest.raises(ReadError) as err:
        sandbox.run(_read_error, file="x.xlsx", limits=limits.Limits())
    assert (err.value.code, err.value.params["reason"]) == ("workbook_broken", "boom")


def test_the_child_leaves_nothing_behind_and_the_caller_carries_on() -> None:
    for _ in range(3):
        with pytest.raises(ReadError):
            sandbox.run(_aborting, file="x.xlsx", limits=limits.Limits())
    assert sandbox.run(len, b"abc", file="x", limits=limits.Limits()) == 3


# --------------------------------------------------------------------------------------------
# The command line: a message, a non-zero exit, no traceback


def run_pmo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pmo", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PMO_LANG": "en", **(env or {})},
        check=False,
    )


def test_the_command_line_refuses_hostile_files_without_a_traceback(tmp_path: Path, bomb: Path) -> None:
    far = tmp_path / "far.xlsx"
    far.write_bytes(far_cell_xlsx())
    db = str(tmp_path / "s.duckdb")
    # the table keeps the no-break space between thousands (a number never breaks across lines)
    for path, words in ((far, "reaches cell XFD1048576"), (bomb, "unpacks to 1\u00a0100 MB")):
        done = run_pmo("import", str(path), "--db", db)
        assert done.returncode == 1, done.stdout + done.stderr
        assert words in done.stdout
        assert "Traceback" not in done.stdout + done.stderr
    con = store.connect(db)
    assert store.is_empty(con)
    con.close()
