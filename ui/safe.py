"""Data is text, never markup.

Streamlit renders Markdown (and its own directives: ``:red[...]``, ``$math$``, links, images) in
``st.markdown``, captions, alerts, headers and every widget label; Plotly renders a subset of
HTML (``<a href>``, ``<span style>``) in chart texts. A value from an uploaded file (a project's
name, a comment, a file name) reaching either must be shown as the characters it holds: ``md``
and ``plot`` make it so. Layout markup in the code never carries data.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Final

# every ASCII punctuation character can be escaped with a backslash in CommonMark; escaping them
# all also disarms Streamlit's ``:directive[...]``, ``$math$`` and emoji shortcodes
_PUNCTUATION: Final = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub-flavoured Markdown turns bare addresses into links after the escapes are undone: an
# invisible word joiner inside the pattern (``http⁠://``, ``www⁠.``, ``name⁠@``) keeps them text
_AUTOLINK: Final = re.compile(r"(?i)(https?|ftp|www)(?=[:.])|(?<=\w)(?=@)")
WORD_JOINER: Final = "\u2060"
_BREAKS: Final = re.compile(r"[ \t\r\n\f\v\u2028\u2029]+")


def md(value: object) -> str:
    """``value`` for a place that renders Markdown: one line, every markup character escaped, no
    address that Markdown would make a link of."""
    if value is None:
        return ""
    text = _BREAKS.sub(" ", str(value)).strip()  # one line (a no-break space stays: 1\u00a0234)
    text = _AUTOLINK.sub(lambda m: (m.group(1) or "") + WORD_JOINER, text)
    return _PUNCTUATION.sub(r"\\\1", text)


def md_join(values: Iterable[object], sep: str = ", ") -> str:
    return sep.join(md(v) for v in values)


def plot(value: object) -> str:
    """``value`` for a chart's text (labels, hover, titles): Plotly's HTML subset escaped."""
    if value is None:
        return ""
    return html.escape(str(value), quote=False)
