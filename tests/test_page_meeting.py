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


def shown_html(at: object) -> str:
    return "".join(h.value for h in at.html)  # type: ignore[attr-defined]


def test_presenter_view_next_previous_keys_and_language(demo_db: Path) -> None:
    at = open_page("meeting", as_of="2026-10-15", lang="en")
    at.segmented_control(key="meeting_order").set_value("status").run()
    at.button(key="meeting_start_show").click().run()
    assert errors(at) == []
    # nothing but the team: no title, no agenda controls, the app's frame hidden
    assert not at.title and not at.main.segmented_control and not at.main.multiselect and not at.main.dataframe
    assert '[data-testid="stSidebar"]' in shown_html(at) and '[data-testid="stHeader"]' in shown_html(at)
    first, second = quarterly_agenda(store.connect(demo_db), Q3, order="status")["project_id"][:2]
    assert titles(at) and titles(at)[0].startswith(first)
    assert ">1/10<" in shown_html(at)
    # the keyboard: → next, ← previous, Esc leaves
    shortcuts = {k: at.button(key=k).proto.shortcut for k in ("meeting_prev", "meeting_next", "meeting_exit")}
    assert shortcuts == {"meeting_prev": "left", "meeting_next": "right", "meeting_exit": "escape"}
    assert at.button(key="meeting_prev").disabled
    at.button(key="meeting_next").click().run()
    assert titles(at)[0].startswith(second) and ">2/10<" in shown_html(at)
    at.button(key="meeting_prev").click().run()
    assert titles(at)[0].startswith(first)
    assert t("meeting.decisions", "en") in shown_html(at)
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert t("meeting.decisions", "ru") in shown_html(at) and titles(at)[0].startswith(first)
    assert at.button(key="meeting_next").label == t("meeting_page.next", "ru")
    at.button(key="meeting_exit").click().run()
    assert not titles(at) and at.dataframe  # back to the agenda, in the order it had
    assert at.segmented_control(key="meeting_order").value == "status"


def test_presenter_view_numbers_in_the_languages_style(demo_db: Path) -> None:
    """Budget in thousand tenge grouped with a no-break space, absorption with a decimal comma."""
    at = open_page("meeting", as_of="2026-10-15", lang="ru")
    at.multiselect(key="meeting_teams").set_value(["P05"]).run()
    at.button(key="meeting_start_show").click().run()
    page = shown_html(at)
    assert t("budget.planned_short", "ru") in page
    amounts = re.findall(r'<td class="n">([^<]*)</td>', page)
    assert amounts and all(not re.fullmatch(r"\d{4,}", a) for a in amounts)  # 980000 is 980 000
    assert any(re.fullmatch(r"\d{1,3}(\u00a0\d{3})+", a) for a in amounts)
    assert any(re.fullmatch(r"\d+,\d%", a) for a in amounts)
    assert not re.search(r"\d\.\d%", page)  # no decimal point in Russian


def test_each_team_sees_what_was_decided_last_time(demo_db: Path) -> None:
    """The 09.07.2026 meeting (the one reviewing Q2) decided Q2-01 on P01 (done 20.08) and Q2-02
    on P03 (due 11.09, not done): at the Q3 meeting, P01 shows one done, P03 one overdue."""
    at = open_page("meeting", as_of="2026-10-15", lang="en")
    at.segmented_control(key="meeting_order").set_value("custom").run()
    at.multiselect(key="meeting_teams").set_value(["P01", "P03", "P02"]).run()
    at.button(key="meeting_start_show").click().run()
    line = t("decisions.last_time", "en")
    assert line.format(total=1, done=1, overdue=0) in shown_html(at)
    at.button(key="meeting_next").click().run()
    assert line.format(total=1, done=0, overdue=1) in shown_html(at)
    assert "Q2-02" in shown_html(at)
    at.button(key="meeting_next").click().run()
    assert t("decisions.last_time_none", "en") in shown_html(at)


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
