"""Work the server does once, in the background, so that no user waits for it."""

from __future__ import annotations

import logging
import threading

import streamlit as st

from loaders import sandbox

log = logging.getLogger(__name__)


def _start_reader() -> None:
    try:
        sandbox.start()
    except Exception:  # the first upload will start it, or say what is wrong
        log.exception("starting the reader's fork server failed")


@st.cache_resource(show_spinner=False)
def _started() -> threading.Thread:
    thread = threading.Thread(target=_start_reader, name="pmo-reader-start", daemon=True)
    thread.start()
    return thread


def start() -> None:
    """The reader's fork server (``loaders.sandbox``), started once per server process."""
    _started()
