"""The RAG palette, one for the pages, the deck and the Excel pack: a colour, the colour of the
text on it and a shape, so a status is never told by colour alone and needs no emoji font.

The colours stay apart for readers with any common colour-vision deficiency and the text on each
meets WCAG AA contrast (``tests/test_rag_style.py``): a dark red square with white text, a yellow
triangle and a mint-green circle with black text.
"""

from __future__ import annotations

from typing import Final

COLOURS: Final = {"red": "#B2182B", "amber": "#F6D55C", "green": "#66C2A5"}
TEXT: Final = {"red": "#FFFFFF", "amber": "#000000", "green": "#000000"}
SHAPES: Final = {"red": "■", "amber": "▲", "green": "●"}
NONE_COLOUR: Final = "#9E9E9E"


def ink(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (``#RRGGBB``)."""
    r, g, b = (int(background.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#FFFFFF"


#: the plan's bars by the activity's state on the as-of date (``metrics.passport.ACTIVITY_STATES``):
#: red is for what is past its planned end and not done
STATES: Final = {
    "done": "#2E7D32",
    "completed_late": "#EF8F00",
    "in_progress": "#1E88E5",
    "not_started": "#B0BEC5",
    "overdue": "#C62828",
    "cancelled": "#E0E0E0",
}
#: the risk matrix's zones (the priority the score gives: DOMAIN §4.2)
ZONES: Final = {"high": "#E57373", "medium": "#FFD54F", "low": "#AED581"}
#: an indicator's state against the pace expected of it
INDICATOR_STATES: Final = {
    "achieved": "#2E7D32",
    "on_track": "#66BB6A",
    "at_risk": "#EF8F00",
    "off_track": "#C62828",
    "missed": "#8E0000",
    "no_data": "#9E9E9E",
}
