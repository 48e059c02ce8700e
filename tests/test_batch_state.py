"""Reports as the data stood right after batch N (``loaders.batch_state``): ``pmo report --batch``,
``pmo export --batch`` and the sidebar's "data as of" choice.

One store lives through a known history: uploads, a wrong file rolled back, overrides, a rollback
that undoes three batches, a newer upload, a threshold and a day off changed. Every moment is
pinned (the times the store wrote are set to fixed ones), so what "as of batch N" means does not
depend on the clock. For each batch, a fresh store into which only what stood at that batch was
ever put gives the very same report, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import duckdb
import openpyxl
import pytest
from pptx import Presentation

from exports import deck
from i18n import numbers, t
from loaders import batch_state, store, template
from loaders.importer import import_files
from loaders.reader import Loaded
from metrics import settings as settings_mod
from metrics.report import headline, picture
from metrics.status import set_rag_override
from pmo.cli import main
from tests.apptest import errors, open_page, select
from tests.builders import D, as_user, project
from tests.test_page_overview import cards

AS_OF: Final = "2026-09-30"
T0: Final = dt.datetime(2026, 9, 1, 9, 0)
USER: Final = as_user("aliya")


def _workbook(tables: dict[str, list[dict[str, object]]]) -> bytes:
    wb = template.build("en")
    for table, rows in tables.items():
        template.fill(wb, table, rows, "en")
    return template.to_bytes(wb)


def ind(iid: str, pid: str) -> dict[str, object]:
    return {
        "indicator_id": iid,
        "project_id": pid,
        "name": iid,
        "baseline": 0,
        "target": 100,
        "deadline": D(2026, 12, 31),
    }


def val(iid: str, period: dt.date, actual: float) -> dict[str, object]:
    return {"indicator_id": iid, "period_end": period, "actual": actual}


def risk(rid: str, pid: str, probability: int, impact: int, **kw: object) -> dict[str, object]:
    return {"risk_id": rid, "project_id": pid, "title": rid, "probability": probability, "impact": impact, **kw}


def money(pid: str, planned: float, spent: float) -> dict[str, object]:
    return {"project_id": pid, "year": 2026, "funding_source": "republican_budget", "planned": planned, "spent": spent}


FILES: Final = {
    "first": {
        "projects": [project("P1"), project("P2", program="Customs")],
        "indicators": [ind("I1", "P1"), ind("I2", "P2")],
        "indicator_values": [val("I1", D(2026, 3, 31), 20), val("I2", D(2026, 3, 31), 30)],
        "risks": [risk("R1", "P1", 4, 4, mitigation="Second vendor")],
        "budget": [money("P1", 1000, 300), money("P2", 500, 100)],
        "activities": [
            {"activity_id": "A1", "project_id": "P1", "name": "Pilot", "planned_end": D(2026, 9, 10)},
        ],
    },
    "second": {
        "indicator_values": [val("I1", D(2026, 6, 30), 45)],
        "projects": [project("P2", program="Customs", status="suspended")],
    },
    "wrong": {
        "indicator_values": [val("I1", D(2026, 6, 30), 5)],
        "projects": [project("P1", name="Wrong name")],
        "budget": [money("P1", 1000, 9000)],
    },
    "third": {
        "projects": [project("P3", program="Tax")],
        "indicators": [ind("I3", "P3")],
        "indicator_values": [val("I3", D(2026, 6, 30), 55)],
        "risks": [risk("R2", "P3", 3, 4)],
        "budget": [money("P3", 800, 200)],
    },
    "fourth": {
        "indicator_values": [val("I1", D(2026, 9, 30), 70)],
        "risks": [risk("R1", "P1", 4, 4, mitigation="Second vendor", status="closed")],
    },
    "fifth": {
        "projects": [project("P4", program="Customs")],
        "indicator_values": [val("I2", D(2026, 6, 30), 60)],
        "risks": [risk("R3", "P4", 3, 4)],
    },
}

#: (hours after T0, what happened)
Step = tuple[float, str, tuple[object, ...]]
FIRST: Final[Step] = (0, "import", ("first",))
SECOND: Final[Step] = (1, "import", ("second",))
WRONG: Final[Step] = (2, "import", ("wrong",))
UNDO_WRONG: Final[Step] = (3, "rollback", (3,))
P2_GREEN: Final[Step] = (3.5, "override", ("P2", "green"))  # the data back as it stood after batch 2
THIRD: Final[Step] = (4, "import", ("third",))
P1_AMBER: Final[Step] = (5, "override", ("P1", "amber"))
FOURTH: Final[Step] = (6, "import", ("fourth",))
UNDO_SECOND: Final[Step] = (7, "rollback", (2,))  # undoes 2, 4 and 5
FIFTH: Final[Step] = (8, "import", ("fifth",))
HIGH_AT_12: Final[Step] = (9, "setting", ("risk_high_min_score", 12.0))  # a risk of 3×4 becomes high
DAY_OFF: Final[Step] = (9.5, "day_off", (D(2026, 9, 15),))
P2_RED: Final[Step] = (10, "override", ("P2", "red"))

#: the whole history, in order
HISTORY: Final = (
    *(FIRST, SECOND, WRONG, UNDO_WRONG, P2_GREEN, THIRD, P1_AMBER),
    *(FOURTH, UNDO_SECOND, FIFTH, HIGH_AT_12, DAY_OFF, P2_RED),
)
#: for each batch, all that a store that only ever had the data of that batch went through
ONLY: Final[dict[int, tuple[Step, ...]]] = {
    1: (FIRST, P2_GREEN, P1_AMBER),  # stood so again from the rollback of 2 until batch 6
    2: (FIRST, SECOND, P2_GREEN),  # stood so again after the wrong file was rolled back, until batch 4
    3: (FIRST, SECOND, WRONG),  # until its rollback
    4: (FIRST, SECOND, P2_GREEN, THIRD, P1_AMBER),  # until batch 5
    5: (FIRST, SECOND, P2_GREEN, THIRD, P1_AMBER, FOURTH),  # until the rollback of 2
    6: (FIRST, P2_GREEN, P1_AMBER, FIFTH, HIGH_AT_12, DAY_OFF, P2_RED),  # the current data
}


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def live_through(con: duckdb.DuckDBPyConnection, steps: Sequence[Step]) -> None:
    """Apply ``steps`` to the store, each at its pinned moment."""
    for hours, what, args in steps:
        when = at(hours)
        if what == "import":
            name = str(args[0])
            plan, batch = import_files(con, [Loaded(f"{name}.xlsx", _workbook(FILES[name]))], actor=USER)
            assert batch is not None, [i.message("en") for i in plan.issues]
            con.execute("UPDATE batches SET imported_at = ? WHERE batch_id = ?", [when, batch])
        elif what == "rollback":
            undone = store.rollback(con, int(str(args[0])), USER)
            con.execute("UPDATE batches SET rolled_back_at = ? WHERE list_contains(?, batch_id)", [when, undone])
        elif what == "override":
            set_rag_override(con, str(args[0]), str(args[1]), "by the curator", USER, at=when)
        else:
            if what == "setting":
                settings_mod.set_values(con, {str(args[0]): float(str(args[1]))}, USER)
            else:
                assert isinstance(args[0], dt.date)
                settings_mod.set_calendar_day(con, args[0], "day_off", "moved", USER)
            con.execute("UPDATE audit SET logged_at = ? WHERE seq = (SELECT max(seq) FROM audit)", [when])


def build(path: Path, steps: Sequence[Step]) -> Path:
    con = store.connect(path)
    try:
        live_through(con, steps)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def lived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store that went through the whole history (shared: copy it before writing)."""
    return build(tmp_path_factory.mktemp("lived") / "lived.duckdb", HISTORY)


@pytest.fixture
def lived_db(lived: Path, tmp_path: Path) -> Path:
    path = tmp_path / "lived.duckdb"
    shutil.copyfile(lived, path)
    return path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def report(db: Path, *extra: str) -> str:
    code, text = run("report", "--db", str(db), "--as-of", AS_OF, "--user", "aliya", *extra)
    assert code == 0, text
    return text


# --------------------------------------------------------------------------------------------
# What "right after batch N" is


def test_the_batches_in_force_and_until_when_the_data_stood_so(lived: Path) -> None:
    with store.session(lived, read_only=True) as con:
        states = {n: batch_state.state(con, n) for n in range(1, 7)}
        with pytest.raises(store.BatchUnknown) as exc:
            batch_state.state(con, 7)
    assert exc.value.batch_id == 7
    assert {n: s.applied for n, s in states.items()} == {
        1: (1,),
        2: (1, 2),
        3: (1, 2, 3),  # rolled back later: it counts
        4: (1, 2, 4),  # 3 was rolled back before 4 came
        5: (1, 2, 4, 5),
        6: (1, 6),  # 2, 4 and 5 were rolled back before 6 came
    }
    assert {n: s.until for n, s in states.items()} == {
        1: at(8),  # stood so again after the rollback of 2, until batch 6
        2: at(4),  # the last time it stood so: from the rollback of 3 until batch 4
        3: at(3),  # its own rollback
        4: at(6),
        5: at(7),
        6: None,  # it still stands so
    }


def test_a_snapshot_at_a_batch_holds_the_store_as_it_stood(lived: Path) -> None:
    _, con = store.snapshot(lived, batch=5)
    try:
        assert store.as_of_batch(con) == 5
        assert store.data_batch(con) == (5, at(6))
        statuses = dict(con.execute("SELECT batch_id, status FROM batches").fetchall())
        assert statuses == {1: "applied", 2: "applied", 3: "rolled_back", 4: "applied", 5: "applied"}
        names = dict(con.execute("SELECT project_id, name FROM projects").fetchall())
        assert names == {"P1": "Project P1", "P2": "Project P2", "P3": "Project P3"}
        assert con.execute("SELECT status FROM risks WHERE risk_id = 'R1'").fetchall() == [("closed",)]
        # the threshold and the day off came after the data moved on; the red override too
        assert settings_mod.load(con) == settings_mod.Settings()
        overrides = con.execute("SELECT project_id, rag FROM rag_overrides ORDER BY created_at").fetchall()
        assert overrides == [("P2", "green"), ("P1", "amber")]
    finally:
        con.close()
    version, current = store.snapshot(lived)
    with store.session(lived, read_only=True) as con:
        assert version == store.data_version(con)
    assert store.as_of_batch(current) is None and store.data_batch(current) == (6, at(8))
    current.close()


def test_settings_and_calendar_are_rewound_by_the_audit_log(tmp_path: Path) -> None:
    """Every kind of change of the settings and the calendar made after the data moved on is undone."""
    path = build(tmp_path / "s.duckdb", [FIRST, (0.5, "setting", ("risk_high_min_score", 10.0))])
    con = store.connect(path)
    try:
        live_through(con, [(1, "import", ("second",))])
        settings_mod.reset(con, USER)
        settings_mod.set_calendar_day(con, D(2026, 5, 4), "working_day", "moved", USER)
        settings_mod.set_calendar_day(con, D(2026, 5, 5), "day_off", "moved", USER)
        settings_mod.remove_calendar_day(con, D(2026, 5, 5), USER)
        settings_mod.reset_calendar(con, USER)
        settings_mod.set_calendar_day(con, D(2026, 5, 6), "day_off", "moved", USER)
        settings_mod.set_values(con, {"kpi_at_risk_ratio": 0.6}, USER)
        con.execute("UPDATE audit SET logged_at = ? WHERE logged_at > ?", [at(2), at(1)])
    finally:
        con.close()
    _, first = store.snapshot(path, batch=1)
    _, second = store.snapshot(path, batch=2)
    try:
        then, now = settings_mod.load(first), settings_mod.load(second)
        assert (then.risk_high_min_score, then.kpi_at_risk_ratio) == (10.0, settings_mod.Settings().kpi_at_risk_ratio)
        assert then.extra_days_off == () and then.extra_working_days == ()
        assert (now.risk_high_min_score, now.kpi_at_risk_ratio) == (settings_mod.Settings().risk_high_min_score, 0.6)
        assert now.extra_days_off == (D(2026, 5, 6),) and now.extra_working_days == ()
    finally:
        first.close()
        second.close()


# --------------------------------------------------------------------------------------------
# pmo report --batch N is the report of a store that only ever had batches 1..N


@pytest.mark.parametrize("batch", sorted(ONLY))
def test_report_at_a_batch_is_that_of_a_store_that_only_had_its_data(lived: Path, tmp_path: Path, batch: int) -> None:
    """Nothing is dropped before comparing: the report names no batch and no time of import."""
    fresh = build(tmp_path / "fresh.duckdb", ONLY[batch])
    assert report(lived, "--batch", str(batch)) == report(fresh)


def test_the_batches_differ_where_the_history_says(lived: Path) -> None:
    """The comparison above is not of equal reports: the batches give different pictures."""
    reports = {n: json.loads(report(lived, "--batch", str(n))) for n in (3, 5, 6)}
    assert report(lived, "--batch", "6") == report(lived)  # the newest batch is the current data
    names = {n: {p["project_id"]: p["name"] for p in r["projects"]} for n, r in reports.items()}
    assert names[3]["P1"] == "Wrong name" and names[5]["P1"] == "Project P1"
    assert sorted(names[5]) == ["P1", "P2", "P3"] and sorted(names[6]) == ["P1", "P2", "P4"]
    overrides = {n: {p["project_id"]: p["rag_override"] for p in r["projects"]} for n, r in reports.items()}
    assert overrides[3] == {"P1": None, "P2": None}
    assert overrides[5]["P1"] == "amber" and overrides[6]["P2"] == "red"
    high = {n: r["portfolio"]["open_high_risks"] for n, r in reports.items()}
    assert high == {3: 1, 5: 0, 6: 2}  # R1 closed by batch 5 (undone since); R3 high at the threshold of 12


def test_an_unknown_batch_is_refused_with_exit_1(lived: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for lang in ("kk", "ru", "en"):
        code, out = run("report", "--db", str(lived), "--batch", "7", "--lang", lang)
        assert (code, out) == (1, "")  # the JSON's standard output stays empty; the message on stderr
        assert capsys.readouterr().err.strip() == t("cli.batch_unknown", lang, batch=7)
    code, out = run("report", "--db", str(lived), "--batch", "7", "--format", "table", "--lang", "ru")
    assert (code, out.strip()) == (1, t("cli.batch_unknown", "ru", batch=7))


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_a_batch_that_is_not_a_number_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMO_LANG", "ru")  # arguments are read before --lang is
    with pytest.raises(SystemExit) as exc:
        main(["report", "--batch", value])
    assert exc.value.code == 2
    assert t("cli.bad_batch_arg", "ru", value=value) in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# The meeting's pack names its batch


def footers(path: Path) -> set[str]:
    """The footer line of every slide but the title (a text box at the slide's bottom left)."""
    prs = Presentation(str(path))
    return {
        shape.text_frame.text
        for slide in list(prs.slides)[1:]
        for shape in slide.shapes
        if shape.has_text_frame and shape.top > deck.HEIGHT * 0.9 and shape.left < deck.WIDTH * 0.5
    }


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_deck_at_a_batch_names_it_in_its_footer(lived_db: Path, tmp_path: Path, lang: str) -> None:
    out = tmp_path / "deck.pptx"
    args = ["export", "pptx", str(out), "--db", str(lived_db), "--quarter", "2026-Q3", "--lang", lang]
    code, text = run(*args, "--batch", "5")
    assert code == 0, text
    stamp = t("as_of_batch.stamp", lang, batch=5, when="01.09.2026 15:00")
    quarter = t("meeting.quarter", lang, year=2026, q=3)
    assert footers(out) == {f"{t('meeting.office', lang)} · {quarter} · {stamp}"}
    # without --batch the deck names the batch the current data stands at, to rebuild it from
    assert run(*args)[0] == 0
    assert {f.rpartition(" · ")[2] for f in footers(out)} == {
        t("as_of_batch.stamp", lang, batch=6, when="01.09.2026 17:00")
    }
    with store.session(lived_db, read_only=True) as con:
        logged = con.execute("SELECT detail FROM audit WHERE action = 'export' ORDER BY seq").fetchall()
    assert [json.loads(d).get("batch") for (d,) in logged] == [5, None]


def test_the_excel_pack_at_a_batch_names_it_under_the_agenda_title(lived_db: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack.xlsx"
    args = ["export", "xlsx", str(pack), "--db", str(lived_db), "--quarter", "2026-Q3", "--batch", "4", "--lang", "ru"]
    assert run(*args)[0] == 0
    agenda = openpyxl.load_workbook(pack)[t("meeting.pack_sheet_agenda", "ru")]
    assert agenda.cell(1, 1).value == t("meeting.agenda", "ru")
    assert agenda.cell(2, 1).value == t("as_of_batch.stamp", "ru", batch=4, when="01.09.2026 13:00")
    projects = {agenda.cell(r, 4).value for r in range(4, agenda.max_row + 1)}
    assert projects == {"P1", "P2", "P3"}  # P3 came with batch 4, rolled back since; P4 came with batch 6


def test_an_export_at_an_unknown_batch_writes_nothing(lived_db: Path, tmp_path: Path) -> None:
    pptx = tmp_path / "deck.pptx"
    args = ["export", "pptx", str(pptx), "--db", str(lived_db), "--quarter", "2026-Q3", "--batch", "9", "--lang", "en"]
    code, out = run(*args)
    assert (code, out.strip()) == (1, t("cli.batch_unknown", "en", batch=9))
    assert not pptx.exists()


# --------------------------------------------------------------------------------------------
# The dashboard: "data as of" in the sidebar


def batch_notes(at: Any) -> list[str]:
    """The header's note that the data is as of a batch (the other warnings: open demo mode...)."""
    return [str(w.value) for w in at.warning if w.icon == ":material/history:"]


def test_choosing_a_batch_in_the_sidebar_shows_its_numbers_and_says_so(
    lived_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMO_DB", str(lived_db))
    as_of = dt.date.fromisoformat(AS_OF)
    with store.session(lived_db, read_only=True) as con:
        now = headline(picture(con, as_of))
    _, frozen = store.snapshot(lived_db, batch=5)
    then = headline(picture(frozen, as_of))
    frozen.close()
    kpi, high = t("overview.kpi_index", "en"), t("overview.high_risks", "en")
    note = t("as_of_batch.header", "en", batch=5, when="01.09.2026 15:00")

    at = open_page("overview", lang="en", as_of=AS_OF)
    assert errors(at) == []
    assert batch_notes(at) == []
    assert cards(at)[kpi] == numbers.percent(now["kpi_index"], "en")
    box = select(at, "pmo_batch")
    assert len(box.options) == 7  # the current data and every batch, the rolled-back ones too
    box.set_value(5).run()
    assert errors(at) == []
    assert batch_notes(at) == [note]
    assert at.query_params["batch"] == "5"  # a shared link opens the same data
    shown = cards(at)
    assert shown[kpi] == numbers.percent(then["kpi_index"], "en") != numbers.percent(now["kpi_index"], "en")
    assert (shown[high], str(now["open_high_risks"])) == ("0", "2")


def test_a_link_names_the_batch_and_the_upload_page_stays_on_the_current_data(
    lived_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMO_DB", str(lived_db))
    at = open_page("upload", lang="ru", as_of=AS_OF, batch="5")
    assert errors(at) == []
    assert select(at, "pmo_batch").value == 5
    assert [str(i.value) for i in at.info] == [t("as_of_batch.live_page", "ru", batch=5)]
    assert batch_notes(at) == []
    # the history lists every batch as it is now: 6 applied, 2 rolled back
    history = at.dataframe[0].value if at.dataframe else None
    assert history is not None and 6 in set(history.iloc[:, 0].astype(int))

    at = open_page("passport", lang="en", as_of=AS_OF, batch="5", pid="P3")
    assert errors(at) == []
    assert t("as_of_batch.no_changes", "en") in [str(c.value) for c in at.caption]  # no override form
    assert not [b for b in at.button if b.key == "passport_ovr_save"]

    at = open_page("meeting", lang="kk", as_of=AS_OF, batch="4")
    assert errors(at) == []
    assert batch_notes(at) == [t("as_of_batch.header", "kk", batch=4, when="01.09.2026 13:00")]
    assert t("as_of_batch.no_changes", "kk") in [str(c.value) for c in at.caption]  # no decisions form

    at = open_page("overview", lang="en", as_of=AS_OF, batch="99")  # a link from another store
    assert errors(at) == []
    assert select(at, "pmo_batch").value == 0 and "batch" not in at.query_params
    assert batch_notes(at) == []
