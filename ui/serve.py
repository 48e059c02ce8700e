"""The dashboard's server: ``streamlit run app.py`` that starts its work before the first visitor.

    python -m ui.serve [streamlit options, e.g. --server.port 8501]

Streamlit runs a page's code only when a browser connects, so the first visitor after a start
would wait for the imports (pandas, Plotly, the metrics), the snapshot of the store and the first
computations: 4–6 s at ministry scale. Here a background thread does that while the server comes
up (``ui.data.start``, which also warms the caches: ``ui.warm``); a visitor who comes meanwhile
waits only for what is not done yet.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"
log = logging.getLogger(__name__)


def _prepare() -> None:
    try:
        import plotly.graph_objects  # noqa: F401  - the charts' library, imported once for all pages

        from . import data, meeting_view  # noqa: F401

        data.start()
    except Exception:  # the first page computes what it needs itself, or says what is wrong
        log.exception("preparing the dashboard before the first visit failed")


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import cli

    threading.Thread(target=_prepare, name="pmo-prepare", daemon=True).start()
    cli.main(["run", str(APP), *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
