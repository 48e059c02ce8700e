"""The project passport page on the demo portfolio (AppTest), and the metrics behind it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from i18n import catalog, t
from loaders import audit, store
from metrics import passport as pp
from metrics.overdue import overdue_items
from metrics.status import project_status
from tests.apptest import errors, open_page, plain, print_tables, select
from tests.builders import as_user
from tests.foreign import rate

AS_OF = dt.date(2026, 9, 30)
RAW_KEY = re.compile(
    r"\b(?:passport|settings|common|col|enum|rag|rag_reason|risk_flag|indicator_status|page)\.[a-z_0-9.]+"
)


def shown_text(at: AppTest) -> list[str]:
    """Every piece of text on the page as read: headings, markdown, captions, messages, table cells."""
    out = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    out += [str(e.value) for e in (*at.info, *at.warning, *at.success, *at.error)]
    out = [plain(x) for x in out]
    for tbl in print_tables(at):  # HTML: the cells are text as read
        out += [str(c) for c in tbl.columns]
        out += [str(v) for v in tbl.to_numpy().ravel()]
    return out


def assert_no_raw_keys(at: AppTest) -> None:
    keys = set(catalog())
    for text in shown_text(at):
        assert text not in keys, text
        assert not RAW_KEY.search(text), text


def table_with(at: AppTest, header: str) -> pd.DataFrame:
    """The (static) table of the page that has a column ``header``, its cells as read."""
    for tbl in print_tables(at):
        if header in tbl.columns:
            return tbl
    raise AssertionError(f"no table with {header!r}")


def test_p06_shows_its_red_status_reasons_and_sections(demo_db: Path) -> None:
    con = store.connect(demo_db)
    status = project_status(con, AS_OF).set_index("project_id").loc["P06"]
    acts = pp.activities(con, "P06", AS_OF)
    con.close()
    assert status["rag"] == "red" and "passport_overdue" in status["rag_reasons"]

    at = open_page("passport", pid="P06")
    assert errors(at) == []
    assert at.header[0].value.startswith("P06 · ")
    assert at.selectbox(key="passport_pid").value == "P06"
    text = plain("\n".join(m.value for m in at.markdown))
    assert t("rag.red", "kk") in text
    assert t("rag_reason.passport_overdue", "kk") in text
    for code in status["rag_reasons"]:  # every reason of the metric is listed
        item = code.partition(":")[2]
        assert not item or item in text
    fields = table_with(at, t("passport.field", "kk"))
    values = dict(zip(fields.iloc[:, 0], fields.iloc[:, 1], strict=True))
    assert values[t("col.projects.end_date", "kk")] == "30.06.2026"
    assert values[t("col.projects.status", "kk")] == t("enum.project_status.execution", "kk")
    assert values[t("col.projects.approved_on", "kk")] == "27.08.2024"

    team = table_with(at, t("col.team.person", "kk"))
    kamila = team[team[t("col.team.person", "kk")] == "Камила Жүнісова"].iloc[0]
    assert kamila[t("passport.team_total", "kk")] == "110%"
    assert kamila[t("passport.team_over", "kk")] == t("common.yes", "kk")

    plan = table_with(at, t("col.activities.activity_id", "kk"))
    overdue = plan[plan[t("passport.state_header", "kk")] == t("passport.state.overdue", "kk")]
    expected = acts.loc[acts["state"] == "overdue", "activity_id"]
    assert (
        sorted(overdue[t("col.activities.activity_id", "kk")])
        == sorted(expected)
        == [
            "P06-A04",
            "P06-A05",
            "P06-A06",
            "P06-A07",
        ]
    )

    risks = table_with(at, t("col.risks.risk_id", "kk"))
    r1 = risks[risks[t("col.risks.risk_id", "kk")] == "P06-R1"].iloc[0]
    assert t("risk_flag.no_mitigation", "kk") in r1[t("passport.flags", "kk")]

    financed = table_with(at, t("col.budget.planned", "kk"))  # the first budget table is the financed one
    assert t("enum.funding_source.republican_budget", "kk") in set(financed[t("col.budget.funding_source", "kk")])
    assert any("180\u00a0000" in s for s in shown_text(at))  # additional funding required, kept apart

    changes = table_with(at, t("col.changes.change_id", "kk"))
    cr7 = changes[changes[t("col.changes.change_id", "kk")] == "CR-007"].iloc[0]
    assert cr7[t("col.changes.decision", "kk")] == t("enum.decision.pending", "kk")
    assert cr7[t("passport.due", "kk")] == "02.06.2026"
    assert t("passport.eval.not_due", "kk") in shown_text(at)
    assert len(at.get("plotly_chart")) >= 3  # trend charts, Gantt, risk matrix
    assert t("common.print_hint", "kk") in shown_text(at)
    assert_no_raw_keys(at)


def test_choosing_another_project_and_the_language(demo_db: Path) -> None:
    at = open_page("passport", pid="P06")
    at.selectbox(key="passport_pid").set_value("P10").run()
    assert errors(at) == []
    assert at.header[0].value.startswith("P10 · ")
    assert at.query_params["pid"] == "P10"
    text = shown_text(at)
    assert f"{t('passport.eval.late', 'kk')} ({t('passport.days_late', 'kk')}: 32)" in text  # due 13.07, sent 14.08
    # completed in June: no RAG any more, its stage and final result instead
    status = project_status(store.connect(demo_db), AS_OF)
    p10 = status[status["project_id"] == "P10"].iloc[0]
    assert p10["lifecycle"] == "completed" and p10["rag"] is None
    badge = "".join(h.value for h in at.html)
    assert f'pmo-rag-none">{t("enum.project_status.completed", "kk")}<' in badge
    assert 'class="pmo-rag pmo-rag-green"' not in badge
    final = t(
        "status.final_result",
        "kk",
        achieved=p10["indicators_achieved"],
        total=p10["indicators"],
        missed=p10["indicators_missed"],
    )
    assert plain(final) in text

    at.selectbox(key="pmo_lang").set_value("ru").run()
    assert errors(at) == []
    assert at.selectbox(key="passport_pid").value == "P10"
    assert t("passport.team_title", "ru") in [s.value for s in at.subheader]
    assert t("passport.eval.late", "ru") in "\n".join(shown_text(at))
    assert_no_raw_keys(at)


def test_a_link_outside_the_filters_still_opens_the_project(demo_db: Path) -> None:
    at = open_page("passport", pid="P09", program="Кедендік әкімшілендіруді жаңғырту")
    assert errors(at) == []
    assert at.header[0].value.startswith("P09 · ")


def test_an_unknown_project_is_said_and_the_first_one_shown(demo_db: Path) -> None:
    at = open_page("passport", pid="NOPE")
    assert errors(at) == []
    assert plain(at.main.warning[0].value) == t("passport.unknown", "kk", pid="NOPE")
    assert at.header[0].value.startswith("P01 · ")


def test_override_needs_a_comment_is_signed_by_the_user_and_shows_beside_the_computed_status(demo_db: Path) -> None:
    # today: an override counts from the day it is made
    at = open_page("passport", as_of=dt.date.today().isoformat(), pid="P06")
    assert errors(at) == []
    select(at, "passport_ovr_rag").set_value("amber")
    at.button(key="passport_ovr_save").click().run()
    assert [e.value for e in at.error] == [t("passport.error.override_needs_comment", "kk")]

    at.text_area(key="passport_ovr_comment").input("Мерзімді ұзарту туралы шешім дайындалуда")
    at.button(key="passport_ovr_save").click().run()
    assert errors(at) == []
    assert at.success[0].value == t("passport.override_saved", "kk")
    text = plain("\n".join(m.value for m in at.markdown))
    badge = "".join(h.value for h in at.html)
    assert f'pmo-rag-amber">▲ {t("rag.amber", "kk")}<' in badge  # the effective status
    assert f"**{t('passport.rag_computed', 'kk')}:** ■ {t('rag.red', 'kk')}" in text  # the computed one beside it
    assert "Мерзімді ұзарту туралы шешім дайындалуда" in text and "demo" in text  # signed by the user
    history = table_with(at, t("passport.override_author", "kk"))
    assert list(history[t("passport.override_author", "kk")]) == ["demo"]
    con = store.connect(demo_db)
    log = audit.entries(con, as_user("auditor"), actions=("override",))
    con.close()
    assert log[["target", "actor"]].values.tolist() == [["P06", "demo"]]

    select(at, "passport_ovr_rag").set_value("none")
    at.text_area(key="passport_ovr_comment").input("Шешім қабылданды")
    at.button(key="passport_ovr_save").click().run()
    assert errors(at) == []
    assert f'pmo-rag-red">■ {t("rag.red", "kk")}<' in "".join(h.value for h in at.html)
    assert t("passport.history_rag.none", "kk") in set(table_with(at, t("passport.override_author", "kk")).iloc[:, 1])


def test_an_override_made_after_the_as_of_date_is_said(demo_db: Path) -> None:
    at = open_page("passport", pid="P06")
    at.text_area(key="passport_ovr_comment").input("x")
    at.button(key="passport_ovr_save").click().run()
    assert errors(at) == []
    assert t("passport.override_later", "kk", date="30.09.2026") in at.success[0].value


def test_empty_database_explains_and_links_to_upload(empty_db: Path) -> None:
    at = open_page("passport", pid="P06")
    assert errors(at) == []
    assert t("common.empty_title", "kk") in at.info[0].value


# --------------------------------------------------------------------------------------------
# The metrics behind the page agree with the portfolio-wide ones


@pytest.fixture
def demo_con(demo_db: Path):  # type: ignore[no-untyped-def]
    con = store.connect(demo_db)
    yield con
    con.close()


def test_overdue_activities_and_changes_agree_with_the_overdue_list(demo_con) -> None:  # type: ignore[no-untyped-def]
    items = overdue_items(demo_con, AS_OF)
    for pid in ("P03", "P06", "P07", "P11"):
        acts = pp.activities(demo_con, pid, AS_OF)
        mine = items[(items["project_id"] == pid) & (items["kind"] == "activity")]
        assert sorted(acts.loc[acts["state"] == "overdue", "activity_id"]) == sorted(mine["item_id"])
        days = dict(zip(mine["item_id"], mine["days_overdue"], strict=True))
        for aid, d in zip(acts["activity_id"], acts["days_overdue"], strict=True):
            if aid in days:
                assert d == days[aid]
    changes = pp.changes(demo_con, "P06", AS_OF).set_index("change_id")
    cr7 = items[items["item_id"] == "CR-007"].iloc[0]
    assert changes.loc["CR-007", "overdue"] and changes.loc["CR-007", "days_overdue"] == cr7["days_overdue"]
    assert not changes.loc["CR-004", "overdue"]


def test_evaluation_states(demo_con) -> None:  # type: ignore[no-untyped-def]
    p10 = pp.evaluation(demo_con, "P10", AS_OF).iloc[0]
    assert (p10["state"], p10["due"], p10["days_late"]) == ("late", pd.Timestamp("2026-07-13"), 32)
    assert pp.evaluation(demo_con, "P12", AS_OF).iloc[0]["state"] == "missing"
    assert pp.evaluation(demo_con, "P06", AS_OF).iloc[0]["state"] == "not_due"
    # before the report was sent it was missing, before its due date awaited
    assert pp.evaluation(demo_con, "P10", dt.date(2026, 8, 1)).iloc[0]["state"] == "missing"
    assert pp.evaluation(demo_con, "P10", dt.date(2026, 7, 1)).iloc[0]["state"] == "awaited"
    assert pp.evaluation(demo_con, "NOPE", AS_OF).empty


def test_team_shares_and_trend(demo_con) -> None:  # type: ignore[no-untyped-def]
    team = pp.team(demo_con, "P05", AS_OF).set_index("person")
    assert team.loc["Камила Жүнісова", "total_pct"] == 110 and team.loc["Камила Жүнісова", "over_allocated"]
    p10 = pp.team(demo_con, "P10", AS_OF)
    assert not p10["active"].any() and p10["total_pct"].isna().all()  # released after completion
    trend = pp.indicator_trend(demo_con, "P06", AS_OF)
    last = trend[trend["indicator_id"] == "P06-TI1"].iloc[-1]
    assert (last["achievement"], last["expected"]) == (0.75, 1.0)  # 18 of 20 groups at the deadline
    assert trend["expected"].between(0, 1).all()


def test_the_source_rating_stands_beside_the_badge_and_changes_nothing(demo_db: Path) -> None:
    hostile = "**Green** <b>x</b> [y](http://e.kz)"
    before = project_status(store.connect(demo_db), AS_OF)
    rate(demo_db, {"P06": "Amber/Green", "P10": hostile})
    after = project_status(store.connect(demo_db), AS_OF)
    columns = ["project_id", "rag", "rag_effective", "rag_reasons", "kpi_index"]
    assert after[columns].equals(before[columns])

    at = open_page("passport", pid="P06", lang="en")
    assert errors(at) == []
    assert "**Source rating:** Amber/Green" in [plain(m.value) for m in at.markdown]
    badge = "".join(h.value for h in at.html if 'data-testid="pmo-paper"' not in h.value)  # not the print block
    assert f'pmo-rag-red">■ {t("rag.red", "en")}<' in badge  # the computed status, not the source's
    assert "Amber/Green" not in badge

    at = open_page("passport", pid="P10", lang="kk")  # completed: no RAG, the source's rating still shown
    assert errors(at) == []
    (line,) = [m.value for m in at.markdown if plain(m.value).startswith("**Дереккөз бағасы:**")]
    assert plain(line) == f"**Дереккөз бағасы:** {hostile}"
    assert "**Green**" not in line and "<b>" not in line and "](" not in line  # shown as text, never markup
    assert_no_raw_keys(at)


def test_a_project_carrying_out_a_roadmap_direction_shows_it(demo_db: Path) -> None:
    """P07 carries out direction RM3-D1 of the Ministry of Trade's roadmap (RM-3): its passport says
    so, with the roadmap's next due step, its two overdue steps and its §51.6 violation."""
    at = open_page("passport", lang="ru", pid="P07")
    assert errors(at) == []
    shown = "".join(h.value for h in at.html)
    assert t("passport.roadmap.title", "ru") in shown and "RM-3" in shown and "RM3-D1" in shown
    assert t("passport.roadmap.overdue", "ru", count=2) in shown
    assert t("passport.roadmap.violations", "ru", count=1) in shown
    step = t("roadmaps.step.target_publication", "ru")
    assert t("passport.roadmap.next", "ru", step=step, date="30.09.2026").replace("«", "") in shown.replace("«", "")
    other = open_page("passport", lang="ru", pid="P06")  # no direction of any roadmap
    assert t("passport.roadmap.title", "ru") not in "".join(h.value for h in other.html)


def _trend(at: AppTest) -> dict[str, object]:
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith("passport_trend")]
    assert len(charts) == 1, "the indicators' trends are one figure of small charts"
    spec: dict[str, object] = json.loads(charts[0].proto.spec)
    return spec


def _indicators(db: Path, pid: str) -> list[str]:
    with store.session(db, read_only=True) as con:
        return sorted(str(i) for i in pp.indicator_trend(con, pid, AS_OF)["indicator_id"].unique())


def test_the_indicators_trends_are_small_charts_of_one_figure(demo_db: Path) -> None:
    at = open_page("passport", pid="P06")
    assert not errors(at)
    ids = _indicators(demo_db, "P06")
    spec = _trend(at)
    traces = spec["data"]
    assert isinstance(traces, list) and len(traces) == 2 * len(ids) > 2  # expected pace and achievement each
    titles = [str(a["text"]) for a in spec["layout"]["annotations"]]  # type: ignore[index]
    assert [x.split("<br>")[0] for x in titles] == [f"<b>{i}</b>" for i in ids]  # in order, each its own
    assert sum(bool(t.get("showlegend", True)) for t in traces) == 2  # one legend for all


def test_the_indicator_asked_for_leads_the_trends(demo_db: Path) -> None:
    last = _indicators(demo_db, "P06")[-1]
    at = open_page("passport", pid="P06", ind=last)
    titles = [str(a["text"]) for a in _trend(at)["layout"]["annotations"]]  # type: ignore[index]
    assert titles[0].startswith(f"<b>{last}</b>")


def test_a_printable_table_is_html_with_every_value_escaped() -> None:
    from ui.passport_view import table_html

    hostile = '<img src=x onerror="alert(1)">'
    out = table_html(pd.DataFrame({"<b>head</b>": [hostile, "a & b"]}))
    assert "<img" not in out and "<b>" not in out
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in out and "a &amp; b" in out
    assert out.count("<tr>") == 3  # the header and two rows
