"""The kk/ru/en catalog: complete, consistent, and every key the code asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from i18n import LANGS, catalog, has, t
from loaders.schema import ENUM_CATALOG, table_specs

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ("app.py", "pages", "ui", "loaders", "metrics", "exports", "pmo")
# tr("a.b"), t("a.b", ...), tr(f"...") are looked up; f-strings are checked by their fixed prefix
LITERAL = re.compile(r"""\b(?:tr|t)\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
KAZAKH_LETTERS = set("әғқңөұүі")  # һ is rare (loanwords)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_entry_has_three_languages_and_the_same_placeholders() -> None:
    for key, entry in catalog().items():
        assert set(entry) == set(LANGS), key
        assert all(entry[lang].strip() for lang in LANGS), key
        names = {lang: _placeholders(entry[lang]) for lang in LANGS}
        assert names["kk"] == names["ru"] == names["en"], (key, names)


def test_kazakh_is_kazakh() -> None:
    """Kazakh texts are not Russian or English copies: the catalog as a whole uses Kazakh letters,
    and a long Kazakh text differs from its Russian and English ones."""
    kk = " ".join(e["kk"] for e in catalog().values())
    assert set(kk.lower()) >= KAZAKH_LETTERS

    def words(text: str) -> str:
        return re.sub(r"\{[^}]*\}|[^\w]", "", text)

    copies = [k for k, e in catalog().items() if len(words(e["kk"])) > 20 and e["kk"] in (e["ru"], e["en"])]
    assert copies == []


def _code_files() -> list[Path]:
    files: list[Path] = []
    for name in CODE_DIRS:
        path = ROOT / name
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def test_every_literal_key_in_the_code_exists() -> None:
    missing = []
    for path in _code_files():
        for key in LITERAL.findall(path.read_text(encoding="utf-8")):
            if not has(key):
                missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert missing == []


def test_schema_is_fully_translated() -> None:
    for name, spec in table_specs().items():
        assert has(f"table.{name}") and has(f"table_help.{name}")
        for f in spec.fields:
            assert has(f"col.{name}.{f.name}"), (name, f.name)
            assert has(f"colhelp.{name}.{f.name}"), (name, f.name)
    for enum, section in ENUM_CATALOG.items():
        for member in enum:
            assert has(f"enum.{section}.{member.value}"), (section, member.value)


@pytest.mark.parametrize(
    "prefix, values",
    [
        ("indicator_status", ("achieved", "on_track", "at_risk", "off_track", "missed", "no_data")),
        ("rag", ("red", "amber", "green")),
        ("risk_flag", ("no_mitigation", "no_alternative_plan", "priority_mismatch", "stale")),
        ("overdue_kind", ("activity", "project", "indicator", "risk_review", "evaluation", "change", "decision")),
        ("norm", ("2h_per_day", "3_per_week", "2_per_week")),
        ("overrun", ("too_long", "not_tuesday")),
        (
            "rag_reason",
            (
                "passport_overdue",
                "activity_overdue_long",
                "high_risk_no_mitigation",
                "indicator_off_track",
                "indicator_missed",
                "activity_overdue",
                "high_risk_open",
                "indicator_at_risk",
            ),
        ),
    ],
)
def test_metric_vocabularies_are_translated(prefix: str, values: tuple[str, ...]) -> None:
    for value in values:
        assert has(f"{prefix}.{value}"), f"{prefix}.{value}"


def test_t_fills_placeholders_and_refuses_unknown_keys() -> None:
    assert (
        t("issue.bad_date", "ru", value="x") == "«x» не читается как дата: пишите 23.11.2026, 2026-11-23 или 2026-Q3."
    )
    assert t("rag.red", "xx") == t("rag.red", "kk")  # an unknown language falls back to Kazakh
    with pytest.raises(KeyError):
        t("no.such.key", "en")
