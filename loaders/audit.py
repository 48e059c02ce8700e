"""The audit log: who did what, and when, in a chain that shows tampering.

An append-only table ``audit`` in the store. Every row carries the SHA-256 of its own content and
of the row before it, so a changed, removed or inserted row breaks the chain at that point
(``verify``; ``pmo audit verify``). The chain cannot stop someone who rewrites the whole file
from its first row on: note the head hash ``verify`` prints (in a report, an e-mail) to pin the
log at that point.

Rows are written in the same transaction as the action they record, so an import and its audit
row land together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import duckdb

if TYPE_CHECKING:  # pandas costs a command line 0.3 s to import; these only name it
    import pandas as pd

from .access import Actor, Right

GENESIS: Final = "0" * 64

#: every action the log records, with the details each carries
ACTIONS: Final = (
    "sign_in",  # source
    "sign_in_failed",  # login tried
    "sign_out",
    "import",  # batch, files with their sha256, rows per table
    "rollback",  # batch asked for, batches undone
    "setting",  # key, old, new
    "setting_reset",  # keys with their old values
    "calendar_set",  # day, kind, note, old
    "calendar_remove",  # day, old kind
    "calendar_reset",  # days removed
    "override",  # project, rag (null = cleared), comment
    "change_decision",  # change request, decision, batch
    "decision",  # meeting decision: op (add, edit, done, reopen), project, done on, batch
    "profile_save",  # file name, profile name
    "export",  # what (deck, pack, table), language, quarter or table
    "user_add",
    "user_update",  # login, what changed (role, name, disabled, password)
)


@dataclass(frozen=True)
class Entry:
    seq: int
    at: dt.datetime
    actor: str
    role: str
    source: str
    action: str
    target: str
    detail: str  # JSON
    prev_hash: str
    hash: str


def _digest(
    prev: str, seq: int, at: dt.datetime, actor: str, role: str, source: str, action: str, target: str, detail: str
) -> str:
    canonical = json.dumps(
        [prev, seq, at.isoformat(timespec="microseconds"), actor, role, source, action, target, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    *,
    at: dt.datetime | None = None,
) -> int:
    """Append one row (inside the caller's transaction, if any); returns its number."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    last = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchall()
    seq, prev = (int(last[0][0]) + 1, str(last[0][1])) if last else (1, GENESIS)
    when = at or dt.datetime.now()
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    digest = _digest(prev, seq, when, actor.label, actor.role.value, actor.source, action, target, text)
    con.execute(
        "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, when, actor.label, actor.role.value, actor.source, action, target, text, prev, digest],
    )
    return seq


@dataclass
class Verdict:
    rows: int
    head: str  # the hash of the last row (pin it elsewhere to detect a rewrite)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (seq, "changed" | "broken_link" | "gap")

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(con: duckdb.DuckDBPyConnection) -> Verdict:
    """Recompute the chain: a row whose content no longer gives its hash was changed; a row whose
    link does not name the row before it follows a removal or an insertion."""
    rows = con.execute(
        "SELECT seq, logged_at, actor, role, source, action, target, detail, prev_hash, hash FROM audit ORDER BY seq"
    ).fetchall()
    verdict = Verdict(len(rows), GENESIS)
    prev_hash, prev_seq = GENESIS, 0
    for r in rows:
        e = Entry(
            int(r[0]),
            r[1],
            str(r[2]),
            str(r[3]),
            str(r[4]),
            str(r[5]),
            str(r[6] or ""),
            str(r[7]),
            str(r[8]),
            str(r[9]),
        )
        if e.seq != prev_seq + 1:
            verdict.problems.append((e.seq, "gap"))
        if e.prev_hash != prev_hash:
            verdict.problems.append((e.seq, "broken_link"))
        expected = _digest(e.prev_hash, e.seq, e.at, e.actor, e.role, e.source, e.action, e.target, e.detail)
        if expected != e.hash:
            verdict.problems.append((e.seq, "changed"))
        prev_hash, prev_seq = e.hash, e.seq
    verdict.head = prev_hash
    return verdict


def entries(
    con: duckdb.DuckDBPyConnection,
    reader: Actor,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    actor: str | None = None,
    actions: tuple[str, ...] | None = None,
    limit: int = 10_000,
) -> pd.DataFrame:
    """The log, newest first, filtered by day, person and kinds of action; for those who may read
    it (``Right.AUDIT``: the office head, the coordinators, the curator)."""
    reader.require(Right.AUDIT)
    where, params = ["TRUE"], []  # type: list[str], list[object]
    if since is not None:
        where.append("CAST(logged_at AS DATE) >= ?")
        params.append(since)
    if until is not None:
        where.append("CAST(logged_at AS DATE) <= ?")
        params.append(until)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if actions:
        where.append("list_contains(?, action)")
        params.append(list(actions))
    params.append(limit)
    return con.execute(
        "SELECT seq, logged_at AS at, actor, role, source, action, target, detail FROM audit WHERE "  # noqa: S608 - fixed clauses
        + " AND ".join(where)
        + " ORDER BY seq DESC LIMIT ?",
        params,
    ).df()


def actors(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [str(r[0]) for r in con.execute("SELECT DISTINCT actor FROM audit ORDER BY 1").fetchall()]
