"""The settings page (AppTest): every threshold and import limit editable by theme, saved by the
theme's button and audited, refused changes explained, resets, and the extra days of the
working-day calendar."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from i18n import LANGS, catalog, has, numbers, t
from loaders import audit, store
from metrics import calendar as kz_calendar
from metrics import settings as settings_mod
from tests.apptest import errors, open_page
from tests.builders import as_user
from ui import settings_view as sv

RAW_KEY = re.compile(r"\b(?:settings|common|page|side)\.[a-z_0-9.]+")


def stored(db: Path) -> settings_mod.Settings:
    con = store.connect(db)
    try:
        return settings_mod.load(con)
    finally:
        con.close()


def shown_text(at: AppTest) -> list[str]:
    out = [e.value for e in (*at.title, *at.markdown, *at.caption)]
    out += [str(e.value) for e in (*at.info, *at.warning, *at.success, *at.error)]
    out += [t.label for t in at.tabs] + [n.label for n in at.number_input] + [n.help or "" for n in at.number_input]
    for df in at.dataframe:
        out += [str(c) for c in df.value.columns] + [str(v) for v in df.value.to_numpy().ravel()]
    return out


def frame_with(at: AppTest, header: str) -> pd.DataFrame:
    for df in at.dataframe:
        if header in df.value.columns:
            return df.value
    raise AssertionError(f"no table with {header!r}")


def assert_no_raw_keys(at: AppTest) -> None:
    keys = set(catalog())
    for text in shown_text(at):
        assert text not in keys, text
        assert not RAW_KEY.search(text), text


def test_every_threshold_has_a_theme_a_label_and_a_help_citing_its_paragraph() -> None:
    themed = [key for keys in sv.THEMES.values() for key in keys]
    assert sorted(themed) == sorted(settings_mod.SPEC_BY_KEY)
    for key in themed:
        assert has(f"settings.label.{key}") and has(f"settings.help.{key}")
        for lang in LANGS:
            assert re.search(r"(Регламент|Reg|ПП 881|881 ҚҚ|DT)", t(f"settings.help.{key}", lang)), (key, lang)
    for code in (
        "setting_unknown",
        "setting_out_of_range",
        "setting_not_integer",
        "setting_not_number",
        "setting_order",
    ):
        assert has(f"settings.error.{code}")


def test_shows_every_stored_value_and_saves_a_change(demo_db: Path) -> None:
    at = open_page("settings")
    assert errors(at) == []
    # whole numbers in number inputs; a threshold that may have a fraction in a text box, written
    # with the language's decimal mark (a number input would show 0.9 in Kazakh)
    whole = [s for s in settings_mod.ALL_SPECS if s.integer]
    fractional = [w for w in at.text_input if str(w.key).removeprefix("settings_") in settings_mod.SPEC_BY_KEY]
    assert len(at.number_input) == len(whole) and len(fractional) == len(settings_mod.ALL_SPECS) - len(whole)
    current = stored(demo_db)
    for spec in settings_mod.SPECS:
        if spec.integer:
            assert at.number_input(key=f"settings_{spec.key}").value == getattr(current, spec.key)
        else:
            shown = at.text_input(key=f"settings_{spec.key}").value
            assert shown == numbers.plain(getattr(current, spec.key), "kk") and "." not in shown
    assert at.text_input(key="settings_kpi_on_track_ratio").value == "0,9"
    assert at.number_input(key="settings_import_rows").value == 500_000
    assert at.info == []  # data is there: no empty-database note
    assert_no_raw_keys(at)

    # a changed input is not saved until the theme's button is pressed
    at.number_input(key="settings_risk_review_days").set_value(60)
    at.number_input(key="settings_risk_high_min_score").set_value(15)  # unchanged: not written
    at.run()
    assert stored(demo_db).risk_review_days == 92
    at.number_input(key="settings_risk_review_days").set_value(60)
    at.button(key="settings_save_risks").click().run()
    assert errors(at) == []
    assert at.success[0].value == t("settings.saved_n", "kk", count=1)
    assert stored(demo_db).risk_review_days == 60
    assert at.number_input(key="settings_risk_review_days").value == 60
    assert any("demo" in c.value for c in at.caption)  # who changed it: the signed-in user
    log = audit_rows(demo_db, "setting")
    assert log[["target", "actor"]].values.tolist() == [["risk_review_days", "demo"]]
    assert json.loads(log["detail"].iloc[0]) == {"old": 92.0, "new": 60.0}

    at.button(key="settings_reset_risks").click().run()
    assert errors(at) == []
    assert stored(demo_db).risk_review_days == 92
    assert at.number_input(key="settings_risk_review_days").value == 92
    assert audit_rows(demo_db, "setting_reset")["target"].tolist() == [",".join(sv.THEMES["risks"])]


def audit_rows(db: Path, action: str) -> pd.DataFrame:
    con = store.connect(db)
    try:
        return audit.entries(con, as_user("auditor"), actions=(action,))
    finally:
        con.close()


def test_a_change_out_of_order_is_refused_in_the_users_language(demo_db: Path) -> None:
    at = open_page("settings", lang="ru")
    at.text_input(key="settings_kpi_at_risk_ratio").input("0,95")
    at.button(key="settings_save_kpi").click().run()
    label = t("settings.label.kpi_at_risk_ratio", "ru")
    assert [e.value for e in at.error] == [
        t("settings.error.setting_order", "ru", label=label, value="0,95", low="0", high="1")
    ]
    assert at.text_input(key="settings_kpi_at_risk_ratio").value == "0,7"
    assert stored(demo_db).kpi_at_risk_ratio == 0.7
    assert audit_rows(demo_db, "setting").empty  # a refused change leaves no trace but the message

    # text that is no number is refused and named, nothing saved
    at.text_input(key="settings_daily_limit_min").input("двадцать")
    at.button(key="settings_save_limits").click().run()
    assert [e.value for e in at.error] == [
        t(
            "settings.error.setting_not_number",
            "ru",
            label=t("settings.label.daily_limit_min", "ru"),
            value="двадцать",
        )
    ]
    assert stored(demo_db).daily_limit_min == 15

    at.number_input(key="settings_sprint_planning_weekday").set_value(4)
    at.text_input(key="settings_daily_limit_min").input("20")
    at.button(key="settings_save_limits").click().run()
    assert stored(demo_db).sprint_planning_weekday == 4 and stored(demo_db).daily_limit_min == 20
    assert at.success[0].value == t("settings.saved_n", "ru", count=2)
    assert any(t("settings.weekday.4", "ru") in c.value for c in at.caption)
    at.button(key="settings_reset_all").click().run()
    assert errors(at) == []
    assert stored(demo_db) == settings_mod.Settings()
    assert at.text_input(key="settings_daily_limit_min").value == "15"


def test_extra_days_and_the_holidays_of_the_year(demo_db: Path) -> None:
    at = open_page("settings", lang="ru")
    assert errors(at) == []
    names = [name for _, name in kz_calendar.holidays_between(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "ru")]
    assert "Наурыз мейрамы" in names
    preview = frame_with(at, t("settings.cal.holiday", "ru"))
    assert set(names) <= set(preview[t("settings.cal.holiday", "ru")])
    working = kz_calendar.calendar().count(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert t("settings.cal.working_days", "ru", year=2026, count=working) in shown_text(at)

    at.date_input(key="settings_cal_day").set_value(dt.date(2026, 10, 2))
    at.text_input(key="settings_cal_note").input("Постановление № 1")
    at.button(key="settings_cal_add").click().run()
    assert errors(at) == []
    assert stored(demo_db).extra_days_off == (dt.date(2026, 10, 2),)
    assert "Постановление № 1" in set(frame_with(at, t("settings.cal.holiday", "ru"))[t("settings.cal.holiday", "ru")])
    assert t("settings.cal.working_days", "ru", year=2026, count=working - 1) in shown_text(at)  # a Friday off

    at.button(key="settings_cal_remove").click().run()
    assert errors(at) == []
    assert stored(demo_db).extra_days_off == ()

    at.selectbox(key="pmo_lang").set_value("kk").run()
    assert errors(at) == []
    assert [tab.label for tab in at.tabs][-2] == t("settings.theme.calendar", "kk")
    assert_no_raw_keys(at)


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_empty_database_still_sets_thresholds(empty_db: Path, lang: str) -> None:
    at = open_page("settings", lang=lang)
    assert errors(at) == []
    assert at.info[0].value == t("settings.empty_note", lang)
    at.number_input(key="settings_agenda_minutes_per_team").set_value(15)
    at.button(key="settings_save_agenda").click().run()
    assert errors(at) == []
    assert stored(empty_db).agenda_minutes_per_team == 15
    assert_no_raw_keys(at)
