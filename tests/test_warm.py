"""Computing before anyone asks (``ui.warm``): the pictures and the meeting agenda a data version's
first clicks need are in the dashboard's caches before a page asks for them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import streamlit as st

from loaders import store
from metrics.common import NO_FILTERS, Filters
from ui import data, warm
from ui import meeting_view as mv


@pytest.fixture
def warming(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> Path:
    monkeypatch.setenv("PMO_WARM", "1")
    st.cache_resource.clear()
    return demo_db


def test_the_demo_warms_its_own_date_and_the_quarter_before_it(warming: Path) -> None:
    with store.session(warming, read_only=True) as con:
        demo = store.demo_as_of(con)
        assert demo == dt.date(2026, 9, 30)
        assert warm.days(con, dt.date(2026, 11, 30)) == [demo, dt.date(2026, 6, 30)]


def test_days_are_today_and_the_last_quarter_end(empty_db: Path) -> None:
    with store.session(empty_db, read_only=True) as con:
        assert warm.days(con, dt.date(2026, 11, 30)) == [dt.date(2026, 11, 30), dt.date(2026, 9, 30)]
        assert warm.days(con, dt.date(2026, 9, 30)) == [dt.date(2026, 9, 30), dt.date(2026, 6, 30)]


def test_a_new_snapshot_warms_the_pictures_the_meeting_and_each_program(
    warming: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data.start(str(warming))
    assert warm.wait(timeout=120)
    live = data._live_for(str(warming))
    assert live.con is not None
    day, before = warm.days(live.con.cursor())
    computed: list[object] = []

    def spy(*args: object, **kw: object) -> None:
        computed.append(args)

    # every picture asked for now comes from the cache: computing one would call the metrics
    monkeypatch.setattr(data, "picture", spy)
    whole = data._picture(str(warming), live.version, None, day, NO_FILTERS, live.con)
    programs = [r[0] for r in live.con.execute("SELECT DISTINCT program FROM projects ORDER BY 1").fetchall()]
    assert programs
    for program in programs:
        one = data._picture(str(warming), live.version, None, day, Filters(program=program), live.con)
        assert set(one.status["project_id"]) < set(whole.status["project_id"])
        assert (
            data._picture(str(warming), live.version, None, before, Filters(program=program), live.con).as_of == before
        )
    assert computed == []

    def not_again(*args: object) -> Any:
        raise AssertionError("the agenda was computed again")

    quarter = mv.quarters(day)[0]
    args = (quarter, NO_FILTERS, mv.DEFAULT_ORDER, None, mv.DEFAULT_START)
    q = data._cached(str(warming), live.version, None, "meeting_quarter", args, not_again, live.con)
    assert q.quarter_end == quarter and not q.agenda.empty
    trend = data._cached(str(warming), live.version, None, "kpi_trend", (day, NO_FILTERS), not_again, live.con)
    assert not trend[1].empty
    digest = data._cached(str(warming), live.version, None, "digest", (before, day, NO_FILTERS), not_again, live.con)
    assert digest["from"]["as_of"] == before.isoformat() and digest["to"]["as_of"] == day.isoformat()


def test_off_means_off(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMO_WARM", "0")
    st.cache_resource.clear()
    data.start(str(demo_db))
    assert warm._worker is None or not warm._worker.is_alive()
