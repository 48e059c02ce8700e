"""Recording the quarterly meeting's decisions on the meeting page (AppTest, demo portfolio): a new
decision, a correction, its completion and a refusal that names the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from i18n import t
from loaders import store
from tests.apptest import errors, open_page, select
from ui import decisions_view as dv

D = dt.date


def _rows(db: Path) -> list[tuple[object, ...]]:
    con = store.connect(db, read_only=True)
    try:
        return con.execute(
            "SELECT decision_id, project_id, kind, text, responsible, due_date, done_on FROM decisions "
            "WHERE meeting_date > DATE '2026-09-30' ORDER BY decision_id"
        ).fetchall()
    finally:
        con.close()


def test_the_secretary_records_a_decision(demo_db: Path) -> None:
    at = open_page("meeting", as_of="2026-10-15", lang="ru")
    assert select(at, "meeting_quarter").value == D(2026, 9, 30)
    assert any(t("decisions.none", "ru") in c.value for c in at.caption)
    at.selectbox(key="dec_project").set_value("P05")
    select(at, dv.KEY_KIND).set_value("budget")
    at.date_input(key="dec_meeting").set_value(D(2026, 10, 14))
    at.text_area(key="dec_text").set_value("Перераспределить бюджет ТБЖ 2.0 на 2027 год")
    at.text_input(key="dec_responsible").set_value("Ерлан Жақсылықов")
    at.date_input(key="dec_due").set_value(D(2026, 11, 13))
    at.button(key="meeting_decision_save").click().run()
    assert errors(at) == []
    assert at.success[0].value == t("decisions.saved_new", "ru", id="2026\\-Q3\\-01", batch=2)
    assert _rows(demo_db) == [
        ("2026-Q3-01", "P05", "budget", "Перераспределить бюджет ТБЖ 2.0 на 2027 год", "Ерлан Жақсылықов",
         D(2026, 11, 13), None),
    ]  # fmt: skip
    shown = at.dataframe[-1].value
    assert list(shown[t("decisions.col.decision_id", "ru")]) == ["2026-Q3-01"]
    assert list(shown[t("decisions.col.kind", "ru")]) == [t("enum.decision_kind.budget", "ru")]
    assert at.text_area(key="dec_text").value == ""  # the form is blank for the next one


def test_a_decision_is_corrected_then_completed(demo_db: Path) -> None:
    """The Q2 meeting's decisions (09.07.2026): Q2-03 gets a later due date, then is done."""
    at = open_page("meeting", as_of="2026-10-15", lang="en")
    select(at, "meeting_quarter").set_value(D(2026, 6, 30)).run()
    assert len(at.dataframe[-1].value) == 5
    at.selectbox(key=dv.KEY_PICK).set_value("Q2-03").run()
    assert str(at.text_area(key="dec_text").value).startswith("ТБЖ 2.0")  # the form shows the decision
    assert select(at, dv.KEY_KIND).value == "budget"
    at.date_input(key="dec_due").set_value(D(2026, 10, 30))
    at.button(key="meeting_decision_save").click().run()
    assert errors(at) == []
    assert "Q2\\-03" in at.success[0].value and "changed" in at.success[0].value
    at.selectbox(key=dv.KEY_PICK).set_value("Q2-03").run()
    at.checkbox(key="dec_done").check()
    at.date_input(key="dec_done_on").set_value(D(2026, 9, 25))
    at.button(key="meeting_decision_save").click().run()
    assert at.success[0].value == t("decisions.saved_done", "en", id="Q2\\-03", batch=3)
    con = store.connect(demo_db, read_only=True)
    row = con.execute("SELECT due_date, done_on FROM decisions WHERE decision_id = 'Q2-03'").fetchall()
    ops = con.execute("SELECT detail->>'op' FROM audit WHERE action = 'decision' ORDER BY seq").fetchall()
    con.close()
    assert row == [(D(2026, 10, 30), D(2026, 9, 25))]
    assert ops == [("edit",), ("done",)]  # only the completion changed the second time
    table = at.dataframe[-1].value
    states = dict(zip(table[t("decisions.col.decision_id", "en")], table[t("decisions.col.state", "en")], strict=True))
    assert states["Q2-03"] == t("protocol.states.done", "en")


def test_an_empty_decision_is_refused_by_name(demo_db: Path) -> None:
    at = open_page("meeting", as_of="2026-10-15", lang="kk")
    at.text_area(key="dec_text").set_value("   ")
    at.button(key="meeting_decision_save").click().run()
    assert at.error[0].value == t("decisions.error.text_missing", "kk", field=t("decisions.text", "kk"))
    assert _rows(demo_db) == []


def test_the_protocol_download_is_offered(demo_db: Path) -> None:
    at = open_page("meeting", as_of="2026-10-15", lang="en")
    labels = [b.proto.label for b in at.get("download_button")]
    assert t("decisions.download", "en") in labels
