"""The ``pmo report`` JSON of the demo portfolio at two as-of dates, against reviewed golden files.

After a deliberate change to a rule, regenerate with ``PMO_UPDATE_GOLDEN=1 make test`` and review
the diff of ``tests/golden/`` like any other change.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from pmo.cli import main

GOLDEN = Path(__file__).parent / "golden"
AS_OF_DATES = ("2026-06-30", "2026-09-30")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    assert main(["demo", "--db", str(path)], out=io.StringIO()) == 0
    return path


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_report_matches_golden(demo_db: Path, as_of: str) -> None:
    out = io.StringIO()
    assert main(["report", "--db", str(demo_db), "--as-of", as_of, "--format", "json"], out=out) == 0
    got = json.loads(out.getvalue())
    golden = GOLDEN / f"report_{as_of}.json"
    if os.environ.get("PMO_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for key in expected:
        assert got[key] == expected[key], key
    assert got.keys() == expected.keys()


def test_report_contract_shapes(demo_db: Path) -> None:
    out = io.StringIO()
    main(["report", "--db", str(demo_db), "--as-of", "2026-09-30"], out=out)
    r = json.loads(out.getvalue())
    assert set(r) >= {
        "as_of",
        "portfolio",
        "projects",
        "indicators",
        "risks",
        "meeting_load",
        "meeting_overruns",
        "over_allocated",
        "overdue",
        "completed_late",
        "budget",
        "roadmaps",
    }
    assert len(r["risks"]["heatmap"]) == 5 and all(len(row) == 5 for row in r["risks"]["heatmap"])
    assert {i["status"] for i in r["indicators"]} <= {
        "achieved",
        "on_track",
        "at_risk",
        "off_track",
        "missed",
        "no_data",
    }
    assert {p["rag"] for p in r["projects"]} <= {"red", "amber", "green", None}
    flags = {f for item in r["risks"]["items"] for f in item["flags"]}
    assert flags <= {"no_mitigation", "no_alternative_plan", "priority_mismatch", "stale"}
    assert {m["norm"] for m in r["meeting_load"]} <= {"2h_per_day", "3_per_week", "2_per_week", None}
    assert {o["reason"] for o in r["meeting_overruns"]} <= {"too_long", "not_tuesday"}
    assert {o["kind"] for o in r["overdue"]} <= {
        "activity",
        "project",
        "indicator",
        "risk_review",
        "evaluation",
        "change",
        "decision",
        "roadmap_step",
    }
    assert all(o["project_id"] is None for o in r["overdue"] if o["kind"] == "roadmap_step")
    roadmaps = r["roadmaps"]
    assert set(roadmaps) == {"items", "steps", "violations", "directions", "criteria"}
    assert {s["state"] for s in roadmaps["steps"]} <= {"on_time", "late", "overdue", "due", "no_term"}
    assert {s["step"] for s in roadmaps["steps"]} <= {
        "review",
        "approval",
        "publication",
        "team",
        "notice",
        "schedule",
        "entry",
        "target_publication",
        "evaluation",
    }
    assert [(v["roadmap_id"], v["change_id"]) for v in roadmaps["violations"]] == [("RM-3", "RM3-C3")]
    for key, sort in [("projects", "project_id"), ("indicators", "indicator_id"), ("budget", "project_id")]:
        ids = [x[sort] for x in r[key]]
        assert ids == sorted(ids), key
    assert [(o["kind"], o["item_id"]) for o in r["overdue"]] == sorted((o["kind"], o["item_id"]) for o in r["overdue"])
    # "unknown" is null, never 0
    no_data = [i for i in r["indicators"] if i["status"] == "no_data"]
    assert no_data and all(i["achievement"] is None and i["latest_actual"] is None for i in no_data)
