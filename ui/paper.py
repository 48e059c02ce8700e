"""The Overview and the passport on paper, in the page: the document of ``exports.paper`` kept in
the page, hidden on screen and the only thing printed (Ctrl+P gives A4 landscape sheets with the
page's title, as-of date and data version on each, no sidebar, toolbar or controls, nothing cut),
and the PDF button that has Chromium print the same document on the server.

The document is built once per data version, language, date, filters and project (``data.memo``);
the PDF only when the button is pressed (a deferred download, audited), and kept for the same
document: pressing again, or another user asking for the same view, costs nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from exports import paper

from . import auth, data
from .session import lang, tr

KEY: Final = "pmo_paper"  # the container of the document: class st-key-pmo_paper

#: On screen the document is hidden; on paper it is all there is: the sidebar, the header and
#: toolbar, every widget, button, chart and grid of the page are left out (Streamlit's own print
#: layout would keep the sidebar and cut a grid or a chart wider than the sheet).
PRINT_CSS: Final = f"""
@media screen {{ .st-key-{KEY} {{ display: none !important; }} }}
@media print {{
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stBottom"] {{ display: none !important; }}
  [data-testid="stMain"], [data-testid="stAppViewContainer"] {{ overflow: visible !important; }}
  [data-testid="stMainBlockContainer"] {{ padding: 0 !important; margin: 0 !important; max-width: none !important; }}
  [data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] > :not(.st-key-{KEY}):not(:has(.st-key-{KEY}))
    {{ display: none !important; }}
  .st-key-{KEY} {{ display: block !important; }}
}}
"""


def stamp(title: str, as_of: dt.date) -> paper.Stamp:
    """The head of every sheet: ``title``, the as-of date, the data version of this rerun and when
    the last import was applied (as the sidebar says it)."""
    return data.memo("paper.stamp", lambda: paper.stamp(data.cursor(), title, as_of), title, as_of)


@dataclass(frozen=True)
class Sheets:
    """A page's document: its body and the stamp of its sheets."""

    body: str
    head: paper.Stamp


def show(sheets: Sheets) -> None:
    """The document in the page, after the page's own content: hidden on screen, the page's only
    content on paper."""
    language = lang()
    with st.container(key=KEY):
        style = f"<style>{paper.page_css(sheets.head, language)}{PRINT_CSS}{paper.CSS}</style>"
        st.html(f'{style}<div class="pp" data-testid="pmo-paper">{sheets.body}</div>')


@functools.lru_cache(maxsize=8)
def _printed(document: str) -> bytes:
    """A document's PDF, kept: the document names its page, date, data version and language."""
    return paper.pdf(document)


def pdf_button(
    where: DeltaGenerator, body: str, head: paper.Stamp, *, key: str, file_stem: str, scope: Mapping[str, object]
) -> None:
    """The PDF button: the file is printed when pressed and the export written to the audit log;
    on a server that cannot print (no Chromium) the button is off and a line under it says why."""
    language = lang()
    document = paper.document(body, head, language)
    problem = paper.unavailable()
    detail = {"lang": language, "as_of": head.as_of.isoformat(), **scope}
    if head.batch is not None:  # the page drawn from the data as it stood right after that batch
        detail["batch"] = head.batch
    where.download_button(
        tr("paper.pdf"),
        data=data.audited_export(auth.current(), "pdf", detail, lambda: _printed(document)),
        file_name=f"{file_stem}_{head.as_of:%Y%m%d}_{language}.pdf",
        mime="application/pdf",
        key=key,
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        help=tr("paper.pdf_help"),
        disabled=problem is not None,
    )
    if problem is not None:
        where.caption(problem.message(language))


def overview(where: DeltaGenerator, o: paper.Overview) -> Sheets:
    """The Overview's PDF button in ``where``; returns its document, for ``show`` to put in the page."""
    head = stamp(tr("page.overview"), o.as_of)
    body = data.memo("paper.overview", lambda: paper.overview_body(o, head, lang()), o.as_of, o.filters)
    f = o.filters
    scope = {"page": "overview", "program": f.program, "curator": f.curator, "projects": f.project_ids}
    pdf_button(where, body, head, key="overview_pdf", file_stem="overview", scope=scope)
    return Sheets(body, head)


def passport(where: DeltaGenerator, p: paper.Passport) -> Sheets:
    """A passport's PDF button in ``where``; returns its document, for ``show`` to put in the page."""
    pid = str(p.status["project_id"])
    head = stamp(paper.passport_title(pid, lang()), p.as_of)
    body = data.memo("paper.passport", lambda: paper.passport_body(p, head, lang()), pid, p.as_of)
    scope = {"page": "passport", "project": pid}
    pdf_button(where, body, head, key="passport_pdf", file_stem=f"passport_{pid}", scope=scope)
    return Sheets(body, head)
