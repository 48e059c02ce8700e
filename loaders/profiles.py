"""Mapping profiles: the ones shipped with the product (``data/mappings/*.toml``, read-only) and
the ones users save (kept in the store, table ``profiles``, so every dashboard server sees them).

A saved profile never takes the name of a shipped one, and replaces a saved one of the same name
only when asked to; saving needs ``Right.PROFILES`` and is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb

from . import audit
from .access import Actor, Right
from .issues import ReadError
from .mapping import Profile, load_profile, profile_from_toml
from .mapping_builder import profile_stem
from .store import PROJECT_ROOT, fetch_one, transaction

SHIPPED_DIR: Final = PROJECT_ROOT / "data" / "mappings"


class ProfileError(ValueError):
    """A refused save; ``code`` is a catalog key under ``profiles.``."""

    def __init__(self, code: str, stem: str) -> None:
        self.code = code
        self.stem = stem
        super().__init__(f"{code}: {stem}")


@dataclass(frozen=True)
class Entry:
    stem: str  # the file name without .toml (shipped) or the saved name
    shipped: bool
    saved_by: str | None = None
    saved_at: dt.datetime | None = None


def shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SHIPPED_DIR.glob("*.toml"))}


def listing(con: duckdb.DuckDBPyConnection) -> list[Entry]:
    """Shipped profiles first, then the saved ones, each by name."""
    out = [Entry(stem, True) for stem in shipped()]
    rows = con.execute("SELECT stem, saved_by, saved_at FROM profiles ORDER BY stem").fetchall()
    out += [Entry(str(r[0]), False, str(r[1]), r[2]) for r in rows]
    return out


def load(con: duckdb.DuckDBPyConnection, stem: str) -> Profile:
    """A profile by name: a shipped one, else a saved one (``ReadError`` when it does not read)."""
    paths = shipped()
    if stem in paths:
        return load_profile(paths[stem])
    row = fetch_one(con, "SELECT toml FROM profiles WHERE stem = ?", [stem])
    if row is None:
        raise ReadError("mapping_invalid", file=f"{stem}.toml", reason="no such profile")
    return profile_from_toml(str(row[0]), f"{stem}.toml")


def save(con: duckdb.DuckDBPyConnection, actor: Actor, profile: Profile, name: str, *, overwrite: bool = False) -> str:
    """Keep ``profile`` under a safe name made of ``name``; returns that name."""
    actor.require(Right.PROFILES)
    stem = profile_stem(name)
    if stem in shipped():
        raise ProfileError("shipped", stem)
    exists = fetch_one(con, "SELECT 1 FROM profiles WHERE stem = ?", [stem]) is not None
    if exists and not overwrite:
        raise ProfileError("exists", stem)
    now = dt.datetime.now()
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO profiles VALUES (?, ?, ?, ?)", [stem, profile.to_toml(), actor.label, now])
        audit.record(con, actor, "profile_save", stem, {"name": profile.name, "replaced": exists}, at=now)
    return stem
