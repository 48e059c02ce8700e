"""The "Since the last review" page (AppTest, demo portfolio): what changed between the last
quarter end and the as-of date, worst first, in words, the same as pmo diff."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from i18n import t
from loaders import store
from metrics.digest import digest
from tests.apptest import errors, open_page

D = dt.date


def test_the_quarters_changes_worst_first_in_every_language(demo_db: Path) -> None:
    con = store.connect(demo_db, read_only=True)
    want = digest(con, D(2026, 6, 30), con, D(2026, 9, 30))
    con.close()
    assert len(want.changes) > 10 and want.changes["worse"].any()
    for lang in ("kk", "ru", "en"):
        at = open_page("digest", lang=lang)
        assert errors(at) == []
        assert at.date_input(key="digest_from").value == D(2026, 6, 30)  # the last quarter end
        metrics = {m.label: m.value for m in at.metric}
        assert metrics[f"▼ {t('digest.col.worse', lang)}"] == str(int(want.changes["worse"].sum()))
        changes = at.dataframe[-1].value
        assert len(changes) == len(want.changes)
        directions = list(changes[t("digest.col.direction", lang)])
        first_better = next(i for i, d in enumerate(directions) if d.startswith("▲"))
        assert all(d.startswith("▼") for d in directions[: int(want.changes["worse"].sum())])
        assert first_better >= int(want.changes["worse"].sum())  # worse first, better last
        kinds = set(changes[t("digest.col.kind", lang)])
        assert t("digest.kind.rag", lang) in kinds and t("digest.kind.overdue_new", lang) in kinds
        projects = at.dataframe[0].value
        assert projects[t("digest.col.project", lang)].iloc[0] == want.projects.iloc[0]["project_id"]


def test_a_shorter_span_and_the_dates_in_order(demo_db: Path) -> None:
    """The last day of the quarter: the values dated 30.09 and what they move, fewer than the
    quarter's changes; a first date after the second is refused."""
    con = store.connect(demo_db, read_only=True)
    want = digest(con, D(2026, 9, 29), con, D(2026, 9, 30))
    quarter = digest(con, D(2026, 6, 30), con, D(2026, 9, 30))
    con.close()
    at = open_page("digest", lang="en")
    at.date_input(key="digest_from").set_value(D(2026, 9, 29)).run()
    assert errors(at) == []
    assert len(at.dataframe[-1].value) == len(want.changes) < len(quarter.changes)
    at.date_input(key="digest_from").set_value(D(2026, 10, 1)).run()
    assert at.warning[0].value == t("digest.order", "en")
