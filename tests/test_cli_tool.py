"""``pmo`` as a tool in a shell: every reason in full (wrapped to the terminal, never cut), the
issues as csv or json for a program, valid JSON whatever the store holds, documented exit codes,
no traceback on a closed pipe or a user error, and a start-up that imports only what it uses."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import fcntl
import io
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from i18n import LANGS, t
from loaders.issues import ISSUE_COLUMNS
from pmo.cli import EXIT_PIPE, build_parser, main
from pmo.jsonout import dumps, write_json
from pmo.textable import render, terminal_width

ROOT = Path(__file__).resolve().parents[1]
PMO = [sys.executable, "-m", "pmo"]
#: an end date no reader takes for a date: its reason is longer than the 90 characters the
#: issue table used to cut it at
LONG_VALUE = "when-the-budget-for-the-second-phase-arrives"
BAD_PROJECTS = (
    "project_id,name,start_date,end_date\n"
    f"P1,Digital customs,2026-01-01,{LONG_VALUE}\n"
    "P2,Single window,01.02.2026,31.02.2026\n"
)
BAD_RISKS = "risk_id,project_id,title,probability,impact\nR1,P9,Vendor delay,4,5\n"
GOOD = "project_id,name,start_date,end_date\nP01,Renamed from the command line,15.01.2025,31.12.2026\n"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PMO_LANG", "PMO_DB", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def bad(tmp_path: Path) -> list[str]:
    (tmp_path / "projects.csv").write_text(BAD_PROJECTS, encoding="utf-8")
    (tmp_path / "risks.csv").write_text(BAD_RISKS, encoding="utf-8")
    return [str(tmp_path / "projects.csv"), str(tmp_path / "risks.csv")]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "pmo.duckdb")


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def issues_json(files: list[str], db: str, lang: str) -> list[dict[str, Any]]:
    code, text = run("import", *files, "--db", db, "--lang", lang, "--issues-format", "json")
    assert code == 1
    records: list[dict[str, Any]] = json.loads(text)
    return records


# --------------------------------------------------------------------------------------------
# The issue table: the full reason, wrapped to the terminal's width


def squashed(text: str) -> str:
    """The text without its spaces: wrapping may break a long word (a value) anywhere."""
    return "".join(text.split())


def reasons_in_table(text: str, head: str) -> list[str]:
    """The reason column of an issue table, each reason's wrapped lines joined again (squashed)."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line.endswith(head))
    start = lines[top].index(head)
    reasons: list[list[str]] = []
    for line in lines[top + 2 :]:
        if not line.strip():
            break
        if not line.startswith(" "):  # a new row; else the wrapped rest of the row above
            reasons.append([])
        reasons[-1].append(line[start:].strip())
    return [squashed("".join(parts)) for parts in reasons]


@pytest.mark.parametrize("lang", LANGS)
def test_a_long_reason_wraps_to_the_terminal_and_is_never_cut(
    bad: list[str], db: str, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = [r["reason"] for r in issues_json(bad, db, lang)]
    assert max(len(r) for r in expected) > 90  # the old table cut here, with "…"
    monkeypatch.setenv("COLUMNS", "100")
    code, text = run("import", *bad, "--db", db, "--lang", lang)
    assert code == 1
    assert "…" not in text
    assert all(len(line) <= 100 for line in text.splitlines()), text
    assert reasons_in_table(text, t("cli.col.reason", lang)) == [squashed(r) for r in expected]
    assert any(len(line) > 95 for line in text.splitlines())  # the table uses the width it has


def test_a_narrow_terminal_wraps_more_and_still_shows_everything(
    bad: list[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = [r["reason"] for r in issues_json(bad, db, "en")]
    monkeypatch.setenv("COLUMNS", "60")
    code, text = run("import", *bad, "--db", db, "--lang", "en")
    assert code == 1
    assert reasons_in_table(text, "Reason") == [squashed(r) for r in expected]


def test_without_a_terminal_each_reason_stays_on_its_line(bad: list[str], db: str) -> None:
    """Written to a file or a pipe (no ``COLUMNS``): one line per issue, for grep."""
    expected = [r["reason"] for r in issues_json(bad, db, "ru")]
    code, text = run("import", *bad, "--db", db, "--lang", "ru")
    assert code == 1
    for reason in expected:
        assert any(line.endswith(reason) for line in text.splitlines()), reason


def test_the_width_is_the_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    assert terminal_width(io.StringIO()) is None
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 73, 0, 0))
    with os.fdopen(follower, "w") as tty:
        assert terminal_width(tty) == 73
        monkeypatch.setenv("COLUMNS", "132")  # the user's word wins
        assert terminal_width(tty) == 132
    os.close(leader)


def test_render_wraps_one_column_and_cuts_none_of_it() -> None:
    reason = "word " * 40
    text = render(["Level", "Reason"], [["Error", reason], ["Warning", "short"]], wrap=[1], width=40)
    lines = text.splitlines()
    assert all(len(line) <= 40 for line in lines)
    assert " ".join(line[9:].strip() for line in lines[2:-1]) == reason.strip()
    assert lines[-1].split() == ["Warning", "short"]


# --------------------------------------------------------------------------------------------
# csv and json for a program: the issues alone on standard output, the summary on standard error


@pytest.mark.parametrize("lang", LANGS)
def test_issues_as_csv(bad: list[str], db: str, lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = issues_json(bad, db, lang)
    capsys.readouterr()
    code, text = run("import", *bad, "--db", db, "--lang", lang, "--issues-format", "csv")
    assert code == 1
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [t(f"cli.col.{c}", lang) for c in ISSUE_COLUMNS]
    assert len(rows) == 1 + len(expected) == 4
    assert [r[-1] for r in rows[1:]] == [e["reason"] for e in expected]  # in full
    assert [r[:6] for r in rows[1:]] == [
        [t("issue.level.error", lang), "projects.csv", "projects.csv", "2", "end_date", LONG_VALUE],
        [t("issue.level.error", lang), "projects.csv", "projects.csv", "3", "end_date", "31.02.2026"],
        [t("issue.level.error", lang), "risks.csv", "risks.csv", "2", "project_id", "P9"],
    ]
    err = capsys.readouterr().err
    assert t("cli.failed", lang, count=3) in err  # the summary is for the person, on stderr
    assert t("cli.failed", lang, count=3) not in text


def test_issues_as_json(bad: list[str], db: str, capsys: pytest.CaptureFixture[str]) -> None:
    records = issues_json(bad, db, "ru")
    assert [set(r) for r in records] == [{"level", "code", "file", "sheet", "row", "column", "value", "reason"}] * 3
    assert [(r["level"], r["file"], r["row"], r["column"], r["value"]) for r in records] == [
        ("error", "projects.csv", 2, "end_date", LONG_VALUE),
        ("error", "projects.csv", 3, "end_date", "31.02.2026"),
        ("error", "risks.csv", 2, "project_id", "P9"),
    ]
    english = issues_json(bad, str(Path(db).with_name("other.duckdb")), "en")
    assert [r["code"] for r in records] == [r["code"] for r in english]  # keys and codes do not move
    assert "не читается как дата" in records[1]["reason"]
    assert "is not a date" in english[1]["reason"]
    assert "Загрузка остановлена: ошибок — 3." in capsys.readouterr().err


def test_a_clean_import_writes_an_empty_list_and_the_summary_to_stderr(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    code, text = run("import", str(good), "--db", db, "--lang", "en", "--issues-format", "json")
    assert code == 0
    assert json.loads(text) == []
    err = capsys.readouterr().err
    assert "Imported as batch 1: good.csv." in err and "Projects" in err
    code, text = run("import", str(good), "--db", db, "--lang", "en", "--issues-format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Level", "File", "Sheet", "Row", "Column", "Value", "Reason"]
    assert len(rows) == 2 and "was already imported as batch 1" in rows[1][-1]


def test_a_file_that_cannot_be_read_is_one_issue_in_json(db: str, tmp_path: Path) -> None:
    code, text = run("import", str(tmp_path / "nope.xlsx"), "--db", db, "--lang", "en", "--issues-format", "json")
    assert code == 1
    [record] = json.loads(text)
    assert record["level"] == "error" and record["file"] == "nope.xlsx"
    assert "Could not open the file 'nope.xlsx'" in record["reason"]


# --------------------------------------------------------------------------------------------
# pmo report --format json: valid JSON, byte for byte what json.dump wrote


def strict_json(text: str) -> Any:
    def refuse(word: str) -> None:
        raise AssertionError(f"{word} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_become_null() -> None:
    raw = dumps({"inf": float("inf"), "minus": float("-inf"), "nan": float("nan"), "n": 1.5})
    assert strict_json(raw.decode()) == {"inf": None, "minus": None, "nan": None, "n": 1.5}
    out = io.StringIO()
    write_json([float("inf")], out)
    assert out.getvalue() == "[\n  null\n]\n"


def test_report_json_stays_valid_when_the_store_holds_an_infinite_number(demo_store: Path, tmp_path: Path) -> None:
    """The importer refuses non-finite numbers; a store written some other way may still hold one."""
    path = tmp_path / "inf.duckdb"
    shutil.copyfile(demo_store, path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE c_budget SET planned = 'inf'::DOUBLE WHERE project_id = 'P01'")
    con.execute("UPDATE c_indicator_values SET actual = 'inf'::DOUBLE")
    con.close()
    code, text = run("report", "--db", str(path), "--as-of", "2026-09-30")
    assert code == 0
    assert "Infinity" not in text and "NaN" not in text
    data = strict_json(text)
    p01 = [b for b in data["budget"] if b["project_id"] == "P01"]
    assert p01 and all(b["planned"] is None for b in p01)


def test_report_json_is_byte_for_byte_what_json_dump_wrote(demo_store: Path) -> None:
    from loaders import store
    from metrics.report import report

    con = store.connect(demo_store, read_only=True)
    try:
        data = report(con, dt.date(2026, 9, 30))
    finally:
        con.close()
    code, text = run("report", "--db", str(demo_store), "--as-of", "2026-09-30")
    assert code == 0
    assert text == json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------------------------
# Exit codes, documented


@pytest.mark.parametrize("lang", LANGS)
def test_help_lists_the_exit_codes(
    lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PMO_LANG", lang)
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    shown = capsys.readouterr().out
    epilog = t("cli.help.exit_codes", lang)
    assert epilog in shown  # kept line by line, not re-wrapped
    codes = [line.split()[0] for line in epilog.splitlines()[1:] if line[:5].strip().isdigit()]
    assert codes == ["0", "1", "2", "3", "4", "130", "141"]


# --------------------------------------------------------------------------------------------
# Every command, with bad arguments and with good ones, piped into head -1: no traceback


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every command and subcommand ``build_parser`` registers: ("import",), ("users", "add")..."""
    found: set[tuple[str, ...]] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= leaf_commands(sub, (*prefix, name)) or {(*prefix, name)}
    return found


def command_of(argv: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    parser: argparse.ArgumentParser | None = build_parser("en")
    for word in argv:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)] if parser else []
        if not subs or word not in subs[0].choices:
            break
        names.append(word)
        parser = subs[0].choices[word]
    return tuple(names)


def piped(argv: list[str], cwd: Path, stdin: str = "") -> tuple[int, str, str]:
    """``pmo ARGV | head -1`` through bash: pmo's exit code, what head printed, pmo's stderr."""
    env = {k: v for k, v in os.environ.items() if k not in ("PMO_DB", "PMO_LANG", "COLUMNS")}
    env |= {"PMO_LANG": "en", "PMO_USER": "tester", "PMO_BUSY_WAIT": "5"}
    script = f'{shlex.join([*PMO, *argv])} | head -1; echo "pmo-exit=${{PIPESTATUS[0]}}" >&2'
    done = subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=300
    )
    err, _, code = done.stderr.rpartition("pmo-exit=")
    return int(code), done.stdout, err


@pytest.fixture
def world(tmp_path: Path, demo_store: Path, bad: list[str]) -> Iterator[dict[str, str]]:
    """Paths the commands below name: a demo store of their own, files good and bad, a folder,
    a file that is no DuckDB store."""
    store_path = tmp_path / "store.duckdb"
    shutil.copyfile(demo_store, store_path)
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "not-a-store.duckdb").write_text("hello", encoding="utf-8")
    yield {
        "S": str(store_path),
        "GOOD": str(tmp_path / "good.csv"),
        "BAD": bad[0],
        "DIR": str(tmp_path / "folder"),
        "NOTDB": str(tmp_path / "not-a-store.duckdb"),
        "OUT": str(tmp_path / "out"),
    }


#: (argv, exit code, standard input) with bad arguments or a user error; $NAME from ``world``
BAD_RUNS: list[tuple[str, int, str]] = [
    ("nope", 2, ""),
    ("import --db $S", 2, ""),
    ("import $OUT/nope.xlsx --db $S", 1, ""),
    ("import $OUT/nope.xlsx --db $S --issues-format json", 1, ""),
    ("import $GOOD --db $S --issues-format xml", 2, ""),
    ("import $GOOD --db $S --wait nan", 2, ""),
    ("import $GOOD --db $DIR", 2, ""),
    ("template", 2, ""),
    ("template $DIR", 2, ""),
    ("template $OUT/missing/t.xlsx", 2, ""),
    ("demo --db $NOTDB", 2, ""),
    ("demo --db $S --wait -5", 2, ""),
    ("batches --db $NOTDB", 2, ""),
    ("batches --lang de", 2, ""),
    ("rollback first", 2, ""),
    ("rollback 99 --db $S", 1, ""),
    ("report --as-of 2026-02-30", 2, ""),
    ("report --format xml", 2, ""),
    ("report --db $DIR", 2, ""),
    ("diff --from 2026-02-30", 2, ""),
    ("diff --from-batch 99 --db $S", 1, ""),
    ("diff --from 2026-10-01 --to 2026-09-30 --db $S", 2, ""),
    ("diff --db $DIR", 2, ""),
    ("export pdf x.pdf --quarter 2026-Q3", 2, ""),
    ("export xlsx x.xlsx --quarter 2026-Q5", 2, ""),
    ("export xlsx $DIR --quarter 2026-Q3 --db $S", 2, ""),
    ("users", 2, ""),
    ("users add --role viewer", 2, ""),
    ("users add someone --role god", 2, ""),
    ("users add someone --role viewer --password-stdin --db $S", 1, "short\n"),
    ("users add someone --role viewer --db $S", 2, ""),  # no terminal for the password prompt
    ("users disable nobody --db $S", 1, ""),
    ("users enable nobody --db $S", 1, ""),
    ("users passwd nobody --password-stdin --db $S", 1, "a long enough password\n"),
    ("users passwd nobody --db $S", 2, ""),
    ("users role nobody viewer --db $S", 1, ""),
    ("users list --db $NOTDB", 2, ""),
    ("audit", 2, ""),
    ("audit verify --db $DIR", 2, ""),
    ("audit list --since yesterday", 2, ""),
    ("audit list --action nope", 2, ""),
    ("audit list --format xml --db $S", 2, ""),
    ("store copy --db $S", 2, ""),  # --to is required
    ("store copy --db $S --to $S", 2, ""),
    ("store copy --db $S --to $NOTDB", 2, ""),
    ("store copy --db $OUT/new.duckdb --to $S", 1, ""),  # the target holds data
]

#: (argv, exit code, standard input) that do their work, in this order, on one store
GOOD_RUNS: list[tuple[str, int, str]] = [
    ("--help", 0, ""),
    ("import --help", 0, ""),
    ("demo --db $S --if-empty", 0, ""),
    ("import $GOOD --db $S", 0, ""),
    ("import $BAD --db $S", 1, ""),
    ("import $BAD --db $S --issues-format csv", 1, ""),
    ("import $BAD --db $S --issues-format json", 1, ""),
    ("import $GOOD --db $S --dry-run --issues-format json", 0, ""),
    ("template $OUT/template.xlsx", 0, ""),
    ("batches --db $S", 0, ""),
    ("rollback 2 --db $S", 0, ""),
    ("report --db $S --as-of 2026-09-30", 0, ""),
    ("report --db $S --as-of 2026-09-30 --format table", 0, ""),
    ("diff --db $S --from 2026-06-30 --to 2026-09-30", 0, ""),
    ("diff --db $S --to 2026-09-30 --to-batch 2 --format json", 0, ""),
    ("export xlsx $OUT/pack.xlsx --quarter 2026-Q3 --db $S", 0, ""),
    ("export pptx $OUT/deck.pptx --quarter 2026-Q3 --db $S", 0, ""),
    ("users add aliya --role coordinator --oidc --db $S", 0, ""),
    ("users add bob --role viewer --password-stdin --db $S", 0, "a long enough password\n"),
    ("users passwd bob --password-stdin --db $S", 0, "another long password\n"),
    ("users role bob curator --db $S", 0, ""),
    ("users disable bob --db $S", 0, ""),
    ("users enable bob --db $S", 0, ""),
    ("users list --db $S", 0, ""),
    ("audit verify --db $S", 0, ""),
    ("audit list --db $S --user aliya", 0, ""),
    ("audit list --db $S --user aliya --format csv", 0, ""),
    ("audit list --db $S --user aliya --format json", 0, ""),
    ("store copy --db $S --to $OUT/moved.duckdb", 0, ""),
    ("report --db $OUT/moved.duckdb --as-of 2026-09-30", 0, ""),
]


def argv_of(line: str, world: dict[str, str]) -> list[str]:
    words = line.split()
    for name, value in sorted(world.items(), key=lambda kv: -len(kv[0])):
        words = [w.replace(f"${name}", value) for w in words]
    return words


def test_every_command_is_run_both_ways() -> None:
    leaves = leaf_commands(build_parser("en"))
    assert leaves >= {("import",), ("users", "add"), ("audit", "list")}
    for runs in (BAD_RUNS, GOOD_RUNS):
        covered = {command_of(line.split()) for line, _, _ in runs}
        assert leaves <= covered, leaves - covered


def test_bad_arguments_and_user_errors_piped_into_head_say_so_in_words(world: dict[str, str]) -> None:
    Path(world["OUT"]).mkdir()
    failures = []
    for line, expected, stdin in BAD_RUNS:
        code, shown, err = piped(argv_of(line, world), ROOT, stdin)
        if "Traceback" in err or code != expected or not (shown.strip() or err.strip()):
            failures.append(f"pmo {line}: exit {code} (expected {expected})\n{shown}{err}")
    assert failures == [], "\n\n".join(failures)


def test_every_command_piped_into_head_ends_quietly(world: dict[str, str]) -> None:
    Path(world["OUT"]).mkdir()
    failures = []
    for line, expected, stdin in GOOD_RUNS:
        code, shown, err = piped(argv_of(line, world), ROOT, stdin)
        if "Traceback" in err or "Exception ignored" in err or code not in (expected, EXIT_PIPE) or not shown.strip():
            failures.append(f"pmo {line}: exit {code} (expected {expected})\n{shown}{err}")
    assert failures == [], "\n\n".join(failures)
    assert (Path(world["OUT"]) / "deck.pptx").stat().st_size > 0


@pytest.mark.parametrize(
    "line",
    [
        "batches --db $S",
        "report --db $S --as-of 2026-09-30",
        "report --db $S --as-of 2026-09-30 --format table",
        "import $BAD --db $S --issues-format csv",
        "users list --db $S",
    ],
)
def test_a_closed_standard_output_exits_141_without_a_word(line: str, world: dict[str, str]) -> None:
    """Its reader gone before the first byte (the read end closed from the start, so no timing
    decides it): the command stops with 141, as a shell reports SIGPIPE, and prints nothing."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [*PMO, *argv_of(line, world), "--lang", "en"], cwd=ROOT, stdout=write_end, stderr=subprocess.PIPE, text=True
        )
    finally:
        os.close(write_end)
    assert done.returncode == EXIT_PIPE, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    if "--issues-format" not in line:
        assert done.stderr == ""


# --------------------------------------------------------------------------------------------
# A start-up that imports what the command uses


def modules_after(argv: list[str], tmp_path: Path) -> set[str]:
    """The modules imported once ``pmo ARGV`` has run, in a process of its own."""
    listing = tmp_path / "modules.json"
    code = (
        "import json, pathlib, sys\n"
        "from pmo.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"pathlib.Path({str(listing)!r}).write_text(json.dumps(sorted(sys.modules)))\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=True)
    return set(json.loads(listing.read_text()))


def test_help_imports_neither_pandas_nor_duckdb(tmp_path: Path) -> None:
    loaded = {m.split(".")[0] for m in modules_after(["--help"], tmp_path)}
    assert not loaded & {"pandas", "duckdb", "numpy", "pyarrow", "loaders", "metrics", "exports", "openpyxl"}


def test_batches_imports_the_store_only(demo_store: Path, tmp_path: Path) -> None:
    """``loaders.store`` itself brings DuckDB and pandas; the importer, the metrics and the file
    formats stay out."""
    loaded = modules_after(["batches", "--db", str(demo_store)], tmp_path)
    assert "loaders.store" in loaded
    heavy = {
        "loaders.importer",
        "loaders.reader",
        "loaders.validate",
        "loaders.users",
        "metrics",
        "exports",
        "openpyxl",
        "pptx",
        "xlsxwriter",
        "fastexcel",
        "python_calamine",
        "argon2",
        "plotly",
        "streamlit",
    }
    assert not {m for m in loaded if m in heavy or m.split(".")[0] in heavy}
