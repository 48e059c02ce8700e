"""Every page opens in every language without an exception or an error box.

Headers, tab names and chart labels all come from the catalog, so a page that works in Kazakh can
still break in Russian or English (two headers that coincide in one language, a missing key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from i18n import LANGS, t
from tests.apptest import ROOT, errors, open_page

PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))


def test_the_pages_are_found() -> None:
    assert {"overview", "kpi", "risks", "overdue", "passport", "upload", "settings"} <= set(PAGES)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_page_opens(page: str, lang: str, demo_db: Path) -> None:
    at = open_page(page, lang=lang)
    assert errors(at) == []
    assert at.title or at.header, f"{page} in {lang} shows no heading"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("upload", "settings", "audit")])
def test_an_empty_store_says_what_to_upload(page: str, lang: str, empty_db: Path) -> None:
    at = open_page(page, lang=lang)
    assert errors(at) == []
    assert [i.value for i in at.info] == [f"**{t('common.empty_title', lang)}**\n\n{t('common.empty_body', lang)}"]
