"""Nothing cut: every fixed-width table column is wide enough for its header in kk, ru and en.

The table grid draws on a canvas and clips a header that does not fit, with no ellipsis and no
tooltip; so each header is measured in the browser with Streamlit's own font and compared with
the width the column is given (``ui.tables.Col``)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest

import ui
from i18n import LANGS, t
from tests.browser import chromium, needs_chromium, text_widths
from ui.tables import Col

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]

#: Streamlit's named column widths, in pixels
NAMED = {"small": 75, "medium": 200, "large": 400}
#: the grid's padding left of a header's text, and what is left free on its right
PADDING = 8 + 6


def fixed_columns() -> Iterator[tuple[str, Col, int]]:
    """Every column with a fixed width declared at module level in ``ui``."""
    for info in pkgutil.iter_modules(ui.__path__):
        module = importlib.import_module(f"ui.{info.name}")
        for value in vars(module).values():
            cols = [value] if isinstance(value, Col) else value if isinstance(value, list | tuple) else []
            for c in cols:
                if isinstance(c, Col) and c.width is not None:
                    yield info.name, c, NAMED[c.width] if isinstance(c.width, str) else c.width


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with chromium() as pg:
        yield pg


def test_the_columns_are_found() -> None:
    modules = {m for m, _, _ in fixed_columns()}
    assert {"overview_view", "overdue_view", "budget_view", "meeting_load_view", "kpi_view", "meeting_view"} <= modules


def test_every_header_fits_its_column(page: Any) -> None:
    rows = sorted({(m, c.header, w, lang) for m, c, w in fixed_columns() for lang in LANGS})
    widths = text_widths(page, [t(h, lang) for _, h, _, lang in rows])
    cut = [
        f"{m}: {h} [{lang}] {t(h, lang)!r} needs {px + PADDING:.0f} px, has {w}"
        for (m, h, w, lang), px in zip(rows, widths, strict=True)
        if px + PADDING > w
    ]
    assert cut == [], "\n".join(cut)
