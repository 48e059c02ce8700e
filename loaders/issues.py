"""Errors and warnings about an upload, told in the user's language.

An issue keeps its facts (file, sheet, Excel row, the header as the user wrote it, the value)
and a message key; the text is made when it is shown, so one validation serves kk, ru and en.

A parameter that is a number (``int`` or ``float``, not ``bool``) is written in the style of the
language when the message is made (``i18n.numbers.plain``: ``0,2`` in Kazakh and Russian, ``0.2``
in English). So numbers are passed as numbers; what must stay as typed (the user's own cell
value, an identifier such as a batch or a row number) is passed as text.
"""

from __future__ import annotations

import math
import numbers as _numbers
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal, NamedTuple

from i18n import numbers, t

Level = Literal["error", "warning"]


class Tr(NamedTuple):
    """A parameter that is itself a catalog key (a table name, a column label)."""

    key: str


class TrList(NamedTuple):
    """A parameter listing catalog keys (column labels), joined by commas."""

    keys: tuple[str, ...]


class TrValue(NamedTuple):
    """A parameter that is a catalog text with one ``{value}`` of its own."""

    key: str
    value: object


class EnumValues(NamedTuple):
    """A parameter listing the values of an enum in the user's language."""

    enum: type[StrEnum]


def _number(value: object) -> bool:
    """A number to write in the language's style (a bool is an int, but not a number here)."""
    # numpy's numbers count (they register as numbers.Real), its bool_ does not
    return isinstance(value, _numbers.Real) and not isinstance(value, bool) and type(value).__name__ != "bool_"


def _render(value: object, lang: str) -> str:
    if _number(value):
        v = float(value)  # type: ignore[arg-type]  # an int or a float, numpy's included
        return numbers.plain(v, lang) if math.isfinite(v) else numbers.MISSING
    if isinstance(value, Tr):
        return t(value.key, lang)
    if isinstance(value, TrValue):
        return t(value.key, lang, value=_render(value.value, lang) if _number(value.value) else value.value)
    if isinstance(value, TrList):
        return ", ".join(t(k, lang) for k in value.keys)
    if isinstance(value, Issue):
        return value.message(lang)
    if isinstance(value, EnumValues):
        from .normalise import enum_labels

        return ", ".join(enum_labels(value.enum, lang))
    return str(value)


@dataclass(frozen=True)
class Issue:
    level: Level
    code: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        params = {k: _render(v, lang) for k, v in self.params.items()}
        return t(f"issue.{self.code}", lang, **params, value=self.value or "", column=self.column or "")

    def as_row(self, lang: str) -> dict[str, object]:
        """One line of the error table: level, file, sheet, row, column, value, reason."""
        return {
            "level": t(f"issue.level.{self.level}", lang),
            "file": self.file,
            "sheet": self.sheet or "",
            "row": self.row,
            "column": self.column or "",
            "value": self.value or "",
            "reason": self.message(lang),
        }


def row_skipped(issue: Issue, **params: object) -> Issue:
    """``issue`` told as a warning that its row was left out (a mapping profile's
    ``skip_invalid_rows``), at the same place, with the reason inside."""
    return replace(issue, level="warning", code="row_skipped", params={"because": issue, **params})


ISSUE_COLUMNS = ("level", "file", "sheet", "row", "column", "value", "reason")


class ReadError(Exception):
    """The file cannot be read at all (not a spreadsheet, broken, wrong encoding...)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")

    def issue(self) -> Issue:
        file = str(self.params.get("file", ""))
        return Issue("error", self.code, file, params=dict(self.params))


def display_value(value: object, limit: int = 60) -> str:
    """A cell's value as the user typed it, shortened for a message."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        iso = getattr(value, "isoformat", None)
        text = str(iso()) if callable(iso) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
