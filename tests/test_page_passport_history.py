"""The passport's history of changes (AppTest): the lines in Kazakh and Russian, the filters by
table and field, a rolled-back batch struck through, the Excel download."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from loaders import store
from tests.apptest import errors, open_page, plain
from tests.builders import D, project, roll_back, upload

T = dt.datetime


def risk(**kw: object) -> dict[str, object]:
    return {"risk_id": "R1", "project_id": "P1", "title": "Late data", "probability": 2, "impact": 3, **kw}


def activity(**kw: object) -> dict[str, object]:
    return {"activity_id": "A1", "project_id": "P1", "name": "Build", "planned_end": D(2026, 6, 30), **kw}


@pytest.fixture(scope="module")
def history_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Batch 1 (Aliya, 1 July): P1 with a risk, an activity, an indicator and a value. Batch 2
    (Berik, 1 August): the activity moved and half done, a value of 20.5. Batch 3 (Berik,
    1 September): P1's deadline and the risk's owner, rolled back by Aliya on 2 September. Batch 4
    (Aliya, 1 October): the risk's owner."""
    path = tmp_path_factory.mktemp("history") / "h.duckdb"
    con = store.connect(path)
    indicator = {"indicator_id": "I1", "project_id": "P1", "name": "Share", "baseline": 0, "target": 100}
    upload(
        con,
        {
            "projects": [project("P1")],
            "risks": [risk(owner="Dana")],
            "activities": [activity()],
            "indicators": [{**indicator, "deadline": D(2026, 12, 31)}],
            "indicator_values": [{"indicator_id": "I1", "period_end": D(2026, 6, 30), "actual": 10}],
        },
        user="Aliya",
        at=T(2026, 7, 1, 10),
    )
    upload(
        con,
        {
            "activities": [activity(planned_end=D(2026, 9, 30), percent_complete=50)],
            "indicator_values": [{"indicator_id": "I1", "period_end": D(2026, 9, 30), "actual": 20.5}],
        },
        user="Berik",
        at=T(2026, 8, 1, 10),
    )
    upload(
        con,
        {"projects": [project("P1", end_date=D(2027, 3, 31))], "risks": [risk(owner="Erlan")]},
        user="Berik",
        at=T(2026, 9, 1, 10),
    )
    roll_back(con, 3, user="Aliya", at=T(2026, 9, 2, 9))
    upload(con, {"risks": [risk(owner="Marat")]}, user="Aliya", at=T(2026, 10, 1, 10))
    con.close()
    return path


@pytest.fixture
def history_db(tmp_path: Path, history_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "h.duckdb"
    shutil.copyfile(history_store, path)
    monkeypatch.setenv("PMO_DB", str(path))
    return path


def tables(at: AppTest, lang: str) -> Any:
    """The table filter, drawn per language (``ui.widgets.multiselect``)."""
    return at.multiselect(key=f"passport_history_tables@{lang}")


def fields_box(at: AppTest, lang: str) -> Any:
    return at.multiselect(key=f"passport_history_fields@{lang}")


def lines(at: AppTest) -> list[str]:
    """The history's lines as read (the Markdown list under its title: each line opens with its
    table and row in bold, or is struck through)."""
    out: list[str] = []
    for m in at.markdown:
        if m.value.startswith(("- **", "- ~~**")):
            out += [plain(x[2:]) for x in m.value.split("\n")]
    return out


def head(table: str, key: str, lang: str) -> str:
    return f"**{t(f'table.{table}', lang)} · {key}** — "


def line(lang: str, table: str, field: str, old: str, new: str, batch: int, user: str, date: str) -> str:
    label = t(f"col.{table}.{field}", lang)
    return t("history.line", lang, field=label, old=old, new=new, batch=batch, user=user, date=date)


def test_the_lines_in_kazakh_newest_first_with_the_rolled_back_batch_marked(history_db: Path) -> None:
    at = open_page("passport", pid="P1", lang="kk")
    assert errors(at) == []
    assert t("history.title", "kk") in [s.value for s in at.subheader]
    shown = lines(at)
    owner = head("risks", "R1", "kk") + line("kk", "risks", "owner", "Dana", "Marat", 4, "Aliya", "01.10.2026")
    assert shown[0] == owner  # the newest first
    deadline = head("projects", "P1", "kk") + line(
        "kk", "projects", "end_date", "31.12.2026", "31.03.2027", 3, "Berik", "01.09.2026"
    )
    undone = t("history.rolled_back", "kk", date="02.09.2026", user="Aliya")
    assert f"~~{deadline}~~ *{undone}*" in shown
    erlan = head("risks", "R1", "kk") + line("kk", "risks", "owner", "Dana", "Erlan", 3, "Berik", "01.09.2026")
    assert f"~~{erlan}~~ *{undone}*" in shown
    # a row's first version is one line
    added = head("risks", "R1", "kk") + t("history.added", "kk", batch=1, user="Aliya", date="01.07.2026")
    assert added in shown
    assert any(b.key == "dl_passport_history_changes" for b in at.download_button)


def test_the_filters_by_table_and_field_and_the_russian_words(history_db: Path) -> None:
    at = open_page("passport", pid="P1", lang="ru")
    assert errors(at) == []
    tables(at, "ru").set_value(["activities"]).run()
    assert errors(at) == []
    shown = lines(at)
    assert shown == [
        head("activities", "A1", "ru")
        + line("ru", "activities", "planned_end", "30.06.2026", "30.09.2026", 2, "Berik", "01.08.2026"),
        head("activities", "A1", "ru")
        + line("ru", "activities", "percent_complete", "—", "50%", 2, "Berik", "01.08.2026"),
        head("activities", "A1", "ru") + t("history.added", "ru", batch=1, user="Aliya", date="01.07.2026"),
    ]
    # the fields offered are the chosen tables' ones; chosen, an addition shows each value
    fields = fields_box(at, "ru")
    assert t("history.field_option", "ru", table=t("table.risks", "ru"), field=t("col.risks.owner", "ru")) not in (
        fields.options
    )
    tables(at, "ru").set_value([]).run()
    fields_box(at, "ru").set_value(["indicator_values.actual"]).run()
    assert errors(at) == []
    assert lines(at) == [
        head("indicator_values", "I1 · 30.09.2026", "ru")
        + line("ru", "indicator_values", "actual", "—", "20,5", 2, "Berik", "01.08.2026"),
        head("indicator_values", "I1 · 30.06.2026", "ru")
        + line("ru", "indicator_values", "actual", "—", "10", 1, "Aliya", "01.07.2026"),
    ]


def test_one_field_in_english(history_db: Path) -> None:
    at = open_page("passport", pid="P1", lang="en")
    fields_box(at, "en").set_value(["risks.owner"]).run()
    assert [x.split(" — ", 1)[1].split(",")[0] for x in lines(at)] == [
        "Owner: Dana → Marat",
        "Owner: Dana → Erlan",
        "Owner: — → Dana",
    ]
    assert errors(at) == []


def test_the_choice_survives_a_language_switch(history_db: Path) -> None:
    at = open_page("passport", pid="P1", lang="kk")
    tables(at, "kk").set_value(["projects"]).run()
    assert {x.split(" · ")[0].lstrip("~") for x in lines(at)} == {"**" + t("table.projects", "kk")}
    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert errors(at) == []
    assert tables(at, "ru").value == ["projects"]
    assert {x.split(" · ")[0].lstrip("~") for x in lines(at)} == {"**" + t("table.projects", "ru")}
