"""The words of a digest (``metrics.digest.to_json``) in a language: what moved, from what to
what, and the detail, for ``pmo diff``, the "Since the last review" page, the deck's slide and the
Excel pack's sheet (one wording everywhere; numbers in the language's style, ``i18n.numbers``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from i18n import has, numbers, t


def reason_text(code: str, lang: str) -> str:
    """``activity_overdue_long:P03-A04`` → "Activity overdue more than 30 days (P03-A04)"."""
    name, _, item = code.partition(":")
    text = t(f"rag_reason.{name}", lang) if has(f"rag_reason.{name}") else name
    return f"{text} ({item})" if item else text


def date_text(value: Any) -> str:
    if not value:
        return numbers.MISSING
    return f"{dt.date.fromisoformat(str(value)):%d.%m.%Y}"


def _word(prefix: str, value: Any, lang: str) -> str:
    if value is None:
        return numbers.MISSING
    key = f"{prefix}.{value}"
    return t(key, lang) if has(key) else str(value)


def value_text(change: dict[str, Any], side: str, lang: str) -> str:
    """``before`` or ``after`` of a change in words and in the language's number style."""
    kind, value, detail = change["kind"], change[side], change["detail"]
    if kind == "rag":
        return _word("rag", value, lang) if value is not None else t("digest.no_rag", lang)
    if kind == "kpi_index":
        return numbers.percent(value, lang, 1)
    if kind == "indicator_status":
        return _word("indicator_status", value, lang)
    if kind in ("risk_new_high", "risk_high_cleared"):
        opened = detail.get("open_before" if side == "before" else "open_after")
        if value is not None and opened is False:
            status = detail.get("status_after") if side == "after" else None
            return _word("enum.risk_status", status or "closed", lang)
        return _word("enum.priority", value, lang)
    if kind == "risk_score":
        return numbers.number(value, lang)
    if kind == "roadmap_step":
        if value == "no_term":
            done = detail.get("done_on") if side == "after" else None
            return t("roadmaps.state.no_term_done" if done else "roadmaps.state.no_term_open", lang)
        return _word("roadmaps.state", value, lang)
    if kind == "team_allocation":
        return numbers.pct(value, lang)
    if kind == "budget":
        return numbers.money(value, lang)
    if kind == "change_decided":
        return _word("enum.decision", value, lang)
    return date_text(value)  # overdue due dates, passport dates, submission dates


def item_text(change: dict[str, Any], lang: str) -> str:
    """What moved: the item and, where the kind has several, which of its fields."""
    kind, item, field, detail = change["kind"], change["item_id"] or "", change["field"], change["detail"]
    if kind in ("overdue_new", "overdue_cleared"):
        return f"{_word('overdue_kind', field, lang)} {item}"
    if kind == "passport_date":
        return t(f"col.projects.{field}", lang)
    if kind == "budget":
        source = _word("enum.funding_source", detail.get("funding_source"), lang)
        return f"{detail.get('year')} {source}: {t(f'col.budget.{field}', lang)}"
    if kind == "roadmap_step":
        return f"{item} {_word('roadmaps.step', field, lang)}"
    if kind in ("rag", "kpi_index"):
        return ""
    return str(item)


def note_text(change: dict[str, Any], lang: str) -> str:
    """The detail in words: the reasons that appeared and cleared, the move, the item's name."""
    kind, detail = change["kind"], change["detail"]
    parts: list[str] = []
    if kind == "rag":
        for key in ("appeared", "cleared"):
            if detail.get(key):
                reasons = "; ".join(reason_text(c, lang) for c in detail[key])
                parts.append(t(f"digest.{key}", lang, reasons=reasons))
    elif kind == "kpi_index":
        parts.append(t("digest.pp", lang, value=_signed(detail.get("delta_pp"), lang, 1)))
    elif kind == "passport_date" and detail.get("days") is not None:
        parts.append(t("digest.days", lang, value=_signed(detail["days"], lang, 0)))
    elif kind == "indicator_status":
        parts.append(str(detail.get("name") or ""))
    elif kind in ("overdue_new", "overdue_cleared"):
        parts.append(str(detail.get("title") or ""))
        parts.append(t("digest.days_overdue", lang, value=numbers.number(detail.get("days_overdue"), lang)))
    elif kind in ("risk_new_high", "risk_high_cleared", "risk_score"):
        parts.append(str(detail.get("title") or ""))
    elif kind == "team_allocation":
        parts.append(", ".join(_word("enum.role", r, lang) for r in detail.get("roles") or []))
    elif kind in ("change_submitted", "change_decided"):
        parts.append(str(detail.get("description") or ""))
    return "; ".join(p for p in parts if p)


def _signed(value: Any, lang: str, digits: int) -> str:
    if value is None:
        return numbers.MISSING
    text = numbers.number(abs(float(value)), lang, digits, trim=True)
    return f"+{text}" if float(value) > 0 else f"−{text}" if float(value) < 0 else text


def rag_text(value: str | None, lang: str) -> str:
    return t(f"rag.{value}", lang) if value else t("digest.no_rag", lang)


def change_row(change: dict[str, Any], lang: str) -> dict[str, str]:
    """One change as the columns people read: project, direction, kind, item, before, after, note."""
    return {
        "project": change["project_id"] or numbers.MISSING,
        "direction": t(f"digest.direction.{change['direction']}", lang),
        "kind": t(f"digest.kind.{change['kind']}", lang),
        "item": item_text(change, lang),
        "before": value_text(change, "before", lang),
        "after": value_text(change, "after", lang),
        "note": note_text(change, lang),
    }


DIRECTIONS = ("worse", "moved", "better")


def counts(data: Mapping[str, Any]) -> dict[str, int]:
    """How many changes went each way: ``{"worse": 25, "moved": 6, "better": 25}``."""
    out = dict.fromkeys(DIRECTIONS, 0)
    for c in data["changes"]:
        out[c["direction"]] += 1
    return out


def span_text(data: Mapping[str, Any], lang: str) -> str:
    """ "Since the last review: 30.06.2026 → 30.09.2026" (the two points' dates)."""
    start, end = (date_text(data[side]["as_of"]) for side in ("from", "to"))
    return t("digest.span", lang, start=start, end=end)


def then_now(before: str, after: str) -> str:
    return f"{before} → {after}"


def project_row(p: Mapping[str, Any], lang: str) -> dict[str, str]:
    """One project of the digest: its RAG and KPI index then → now, in words and the language's style."""
    return {
        "rag": then_now(rag_text(p["rag_before"], lang), rag_text(p["rag_after"], lang)),
        "kpi": then_now(numbers.percent(p["kpi_before"], lang), numbers.percent(p["kpi_after"], lang)),
    }
