"""Imported only in the reader's fork server (``loaders.sandbox``): one read of the demo workbook,
so that what the readers import and set up on first use is done once there, and every child
forked for an upload starts warm."""

from __future__ import annotations

from contextlib import suppress

from .importer import parse_file
from .reader import load
from .store import PROJECT_ROOT
from .validate import ReadOptions

with suppress(Exception):  # a missing or changed demo only means colder children
    parse_file(load(PROJECT_ROOT / "data" / "demo_portfolio.xlsx"), None, ReadOptions())
