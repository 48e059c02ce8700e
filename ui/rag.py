"""How a status is drawn on the pages: a colour, a shape and a word, never colour alone, and no
emoji (a workstation without an emoji font shows empty boxes). The palette is ``exports.palette``,
shared with the deck and the Excel pack."""

from __future__ import annotations

from exports.palette import COLOURS, NONE_COLOUR, SHAPES, TEXT

from .session import tr

__all__ = ["COLOURS", "NONE_COLOUR", "SHAPES", "TEXT", "badge_css", "badge_html", "cell_style", "label"]


def label(value: object) -> str | None:
    """``■ Қызыл``: the shape and the word of a RAG value (None for none)."""
    if not isinstance(value, str) or value not in SHAPES:
        return None
    return f"{SHAPES[value]} {tr(f'rag.{value}')}"


def cell_style(text: object) -> str:
    """The CSS of a table cell showing ``label(...)``: its colours, found from the shape."""
    if not isinstance(text, str):
        return ""
    for rag, shape in SHAPES.items():
        if text.startswith(shape):
            return f"background-color: {COLOURS[rag]}; color: {TEXT[rag]}; font-weight: 600"
    return ""


def badge_css() -> str:
    """Layout CSS of ``badge_html`` (no data in it)."""
    rules = [
        ".pmo-rag {display: inline-block; padding: 0.1rem 0.55rem; border-radius: 0.35rem; font-weight: 700;"
        " white-space: nowrap; line-height: 1.5;}"
    ]
    rules += [f".pmo-rag-{r} {{background: {COLOURS[r]}; color: {TEXT[r]};}}" for r in COLOURS]
    rules.append(f".pmo-rag-none {{background: {NONE_COLOUR}; color: #000000;}}")
    return "\n".join(rules)


def badge_html(value: object, none_text: str | None = None) -> str:
    """A badge for a RAG value: a fixed class and catalog words only (no data)."""
    if isinstance(value, str) and value in SHAPES:
        return f'<span class="pmo-rag pmo-rag-{value}">{SHAPES[value]} {tr(f"rag.{value}")}</span>'
    return f'<span class="pmo-rag pmo-rag-none">{none_text or tr("rag.none")}</span>'
