"""What an upload changes in the passports of existing projects, in words (the Upload page's preview).

The per-row diff (``ImportPlan.diffs``) lists every changed value; a renamed project, another
programme or curator, a moved start or passport deadline (Reg §2.3, §23, §30) is easy to miss
among them. These are summarised here, one line per field, in the user's language with dates as
23.11.2026, so the coordinator sees them before confirming.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from i18n import numbers, t

from .importer import TableDiff
from .schema import table_specs

#: the passport fields whose change is summarised, in the order the lines are shown
WATCHED: Final = ("name", "program", "curator", "start_date", "end_date")
LISTED: Final = 5  # projects named per line; the rest are counted
LONGEST: Final = 80  # characters of a value quoted in a line (a long name is cut with "…")


@dataclass(frozen=True)
class Change:
    """One project's value of one field, before and after the upload (as stored: text, ISO dates)."""

    project_id: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class PassportChange:
    """The existing projects whose ``field`` the upload changes, in the order of the file."""

    field: str
    changes: tuple[Change, ...]


def _text(value: object) -> str | None:
    """A stored value as text (the diff casts every value to text); a blank as None."""
    return value if isinstance(value, str) and value.strip() else None


def passport_changes(diffs: Mapping[str, TableDiff]) -> list[PassportChange]:
    """Per watched field (name, program, curator, start and end date), the existing projects whose
    value the upload changes; fields nobody changes are left out. New projects are not changes."""
    diff = diffs.get("projects")
    if diff is None or diff.changes.empty:
        return []
    frame = diff.changes
    out: list[PassportChange] = []
    for name in WATCHED:
        rows = frame[frame["field"] == name]
        changes = tuple(
            Change(str(pid), _text(old), _text(new))
            for pid, old, new in zip(rows["project_id"], rows["old"], rows["new"], strict=True)
        )
        if changes:
            out.append(PassportChange(name, changes))
    return out


def _value(field: str, value: str | None, lang: str, quote: Callable[[str], str]) -> str:
    """A value as the sentence shows it: a date as 23.11.2026, text in quotes, a blank as a dash."""
    if value is None:
        return numbers.MISSING
    if table_specs()["projects"].field(field).kind == "date":
        try:
            return f"{dt.date.fromisoformat(value[:10]):%d.%m.%Y}"
        except ValueError:
            pass
    short = value if len(value) <= LONGEST else value[: LONGEST - 1].rstrip() + "…"
    return t("upload.passport.quoted", lang, value=quote(short))


def describe(change: PassportChange, lang: str, quote: Callable[[str], str] = str) -> str:
    """One line in ``lang``: "P04 жобасының аяқталу мерзімі ауысады: 30.06.2026 → 31.12.2026", or
    for several projects their count and the first few. ``quote`` makes each value from the data
    safe where the line is shown (``ui.safe.md`` on a page); catalog words and dates are not data."""
    key = f"upload.passport.{change.field}"

    def values(c: Change) -> dict[str, str]:
        return {
            "project": quote(c.project_id),
            "old": _value(change.field, c.old, lang, quote),
            "new": _value(change.field, c.new, lang, quote),
        }

    if len(change.changes) == 1:
        return t(f"{key}_one", lang, **values(change.changes[0]))
    items = "; ".join(t("upload.passport.item", lang, **values(c)) for c in change.changes[:LISTED])
    rest = len(change.changes) - LISTED
    if rest > 0:
        items += " " + t("upload.passport.more", lang, count=rest)
    return t(f"{key}_many", lang, count=len(change.changes), items=items)


def passport_warnings(diffs: Mapping[str, TableDiff], lang: str, quote: Callable[[str], str] = str) -> list[str]:
    """The summary lines of ``passport_changes`` in ``lang``, one per field."""
    return [describe(c, lang, quote) for c in passport_changes(diffs)]
