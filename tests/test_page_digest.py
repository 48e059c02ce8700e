"""The "Since the last review" page (AppTest, demo portfolio): what changed between the last
quarter end and the as-of date, worst first, in words, the same as pmo diff."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

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


def test_what_an_upload_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two uploads: the second moves P1's passport end date. Compared by uploads, the page shows
    the move with the days; compared by dates over the current data it cannot (one version)."""
    from loaders import template
    from loaders.importer import import_files
    from loaders.reader import Loaded
    from tests.builders import as_user, make_store, project

    path = tmp_path / "two.duckdb"
    con = make_store(path, {"projects": [project("P1")]})
    wb = template.build("en")
    template.fill(wb, "projects", [project("P1", end_date=D(2027, 6, 30))], "en")
    _, batch = import_files(con, [Loaded("second.xlsx", template.to_bytes(wb))], actor=as_user("coordinator"))
    con.close()
    assert batch == 2
    monkeypatch.setenv("PMO_DB", str(path))
    at = open_page("digest", lang="ru", as_of="2026-09-30")
    at.segmented_control(key="digest_mode").set_value("batches").run()
    assert errors(at) == []
    assert at.selectbox(key="digest_from_batch").value == 1
    changes = at.dataframe[-1].value
    row = changes[changes[t("digest.col.kind", "ru")] == t("digest.kind.passport_date", "ru")].iloc[0]
    assert (row[t("digest.col.before", "ru")], row[t("digest.col.after", "ru")]) == ("31.12.2026", "30.06.2027")
    assert row[t("digest.col.direction", "ru")] == f"▼ {t('digest.direction.worse', 'ru')}"
