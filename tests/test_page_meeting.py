"""The quarterly meeting page and its presentation mode (AppTest, demo portfolio, 2026-Q3)."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest

from i18n import t
from loaders import store
from metrics.agenda import quarterly_agenda
from tests.apptest import errors, open_page, plain, select
from ui import meeting_view

Q3 = dt.date(2026, 9, 30)


def titles(at: object) -> list[str]:
    """The team's heading in the presentation (its name is text, escaped, never markup)."""
    return [plain(m.value[3:]) for m in at.markdown if m.value.startswith("## ")]  # type: ignore[attr-defined]


def timer_colour(at: object) -> str:
    (html,) = [m.value for m in at.markdown if "class='pmo-timer'" in m.value]  # type: ignore[attr-defined]
    match = re.search(r"data-colour='(\w+)'", html)
    assert match
    return match.group(1)


def test_agenda_of_the_quarter(demo_db: Path) -> None:
    at = open_page("meeting", as_of="2026-10-15")
    assert errors(at) == []
    assert select(at, "meeting_quarter").value == Q3  # the last quarter end before the as-of date
    shown = at.dataframe[0].value
    expected = quarterly_agenda(store.connect(demo_db), Q3)
    assert list(shown[t("col.projects.project_id", "kk")]) == list(expected["project_id"])
    assert list(shown[t("meeting.start", "kk")])[:2] == ["10:00", "10:20"]
    assert any("3 сағ 20 мин" in c.value for c in at.caption)  # ten teams × 20 minutes
    # by status: red first, then amber and green; last the teams no RAG applies to (P08 in
    # initiation, P13 suspended), each shown by its stage
    at.segmented_control(key="meeting_order").set_value("status").run()
    by_status = quarterly_agenda(store.connect(demo_db), Q3, order="status")
    shown = at.dataframe[0].value
    assert list(shown[t("col.projects.project_id", "kk")]) == list(by_status["project_id"])
    shapes = {"red": "■", "amber": "▲", "green": "●"}
    expected_status = [
        f"{shapes[r]} {t(f'rag.{r}', 'kk')}" if isinstance(r, str) else t(f"enum.project_status.{lc}", "kk")
        for r, lc in zip(by_status["rag"], by_status["lifecycle"], strict=True)
    ]
    assert list(shown[t("meeting.status", "kk")]) == expected_status
    ranks = [["red", "amber", "green"].index(r) if isinstance(r, str) else 3 for r in by_status["rag"]]
    assert ranks == sorted(ranks) and ranks[0] == 0 and ranks[-1] == 3
    assert set(by_status["project_id"][by_status["rag"].isna()]) == {"P08", "P13"}
    # fewer teams: the agenda shrinks and keeps 20 minutes each
    at.multiselect(key="meeting_teams").set_value(["P06", "P01"]).run()
    assert list(at.dataframe[0].value[t("meeting.end", "kk")]) == ["10:20", "10:40"]


def test_presentation_next_previous_and_language(demo_db: Path) -> None:
    at = open_page("meeting", as_of="2026-10-15", lang="en")
    at.segmented_control(key="meeting_order").set_value("status").run()
    at.button(key="meeting_start_show").click().run()
    assert errors(at) == []
    first, second = quarterly_agenda(store.connect(demo_db), Q3, order="status")["project_id"][:2]
    assert titles(at) and titles(at)[0].startswith(first)
    assert at.button(key="meeting_prev").disabled
    at.button(key="meeting_next").click().run()
    assert titles(at)[0].startswith(second)
    at.button(key="meeting_prev").click().run()
    assert titles(at)[0].startswith(first)
    assert any(t("meeting.decisions", "en") in m.value for m in at.markdown)
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert any(t("meeting.decisions", "ru") in m.value for m in at.markdown)
    assert at.button(key="meeting_next").label == t("meeting_page.next", "ru")
    at.button(key="meeting_exit").click().run()
    assert not titles(at) and at.dataframe  # back to the agenda


@pytest.mark.parametrize(
    ("minutes", "colour"), [(0, "green"), (14.9, "green"), (15, "amber"), (19.9, "amber"), (20, "red"), (31, "red")]
)
def test_countdown_turns_amber_at_15_and_red_at_20(demo_db: Path, minutes: float, colour: str) -> None:
    at = open_page("meeting", as_of="2026-10-15")
    at.button(key="meeting_start_show").click().run()
    at.session_state[meeting_view.KEY_STARTED] = {0: time.time() - minutes * 60}
    at.run()
    assert timer_colour(at) == colour


def test_timer_text() -> None:
    text, colour = meeting_view.timer(21 * 60 + 5, 20)
    assert colour == "red" and "01:05" in text
    assert meeting_view.timer(30, 20)[1] == "green"


def test_quarters_list() -> None:
    assert meeting_view.quarters(dt.date(2025, 12, 30)) == [
        dt.date(2025, 9, 30),
        dt.date(2025, 6, 30),
        dt.date(2025, 3, 31),
    ]


def test_empty_database(empty_db: Path) -> None:
    at = open_page("meeting")
    assert errors(at) == []
    assert at.info and at.info[0].value.startswith("**" + t("common.empty_title", "kk"))


def test_own_order_is_the_order_of_picking(demo_db: Path) -> None:
    at = open_page("meeting", as_of="2026-10-15")
    at.segmented_control(key="meeting_order").set_value("custom").run()
    at.multiselect(key="meeting_teams").set_value(["P13", "P01", "P06"]).run()
    assert errors(at) == []
    assert list(at.dataframe[0].value[t("col.projects.project_id", "kk")]) == ["P13", "P01", "P06"]
    assert list(at.dataframe[0].value[t("meeting.start", "kk")]) == ["10:00", "10:20", "10:40"]
