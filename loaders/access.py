"""Who may do what: the roles of the Project Office (Reg §4–16) and the rights they carry.

Every function that changes the store takes the acting user (an ``Actor``) and refuses with
``AccessDenied`` when the role lacks the right; the pages hide what a role cannot do, but the
refusal lives here, so the command line and any other caller meet the same rules.

- curator (portfolio curator, Reg §6, §34, §40): read everything; set and clear RAG overrides;
  decide change requests; record the quarterly meeting's decisions; read the audit log;
- office head, coordinator (Reg §7, §8): upload any project's rows, roll back, settings and the
  calendar, mapping profiles, RAG overrides (DOMAIN §4.6 names the coordinator), the quarterly
  meeting's decisions (the office keeps its protocol, Reg §8), the audit log;
- program manager, project manager (Reg §12, §13): read everything; upload the rows of the
  projects they manage, except the quarterly meeting's decisions (``OFFICE_TABLES``): the
  office's coordinator or secretary records those, not the team they bind (Reg §8, §34);
- viewer (stakeholder, team member, anyone else; Reg §15, §16): read everything.

"Open demo mode" (``make run`` on a fresh machine, no sign-in) acts with every right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Literal

import duckdb

if TYPE_CHECKING:  # pandas costs a command line 0.3 s to import; these only name it
    import pandas as pd

from .issues import Issue, display_value


class Role(StrEnum):
    CURATOR = "curator"
    OFFICE_HEAD = "office_head"
    COORDINATOR = "coordinator"
    PROGRAM_MANAGER = "program_manager"
    PROJECT_MANAGER = "project_manager"
    VIEWER = "viewer"
    OPEN_DEMO = "open_demo"  # no sign-in: every right (never on a network)
    SHELL = "shell"  # whoever manages accounts from a shell on the server (``pmo users``)


class Right(StrEnum):
    UPLOAD = "upload"  # rows of any project
    UPLOAD_OWN = "upload_own"  # rows of the projects one manages
    ROLLBACK = "rollback"
    SETTINGS = "settings"  # thresholds, import limits, the calendar
    PROFILES = "profiles"  # save mapping profiles
    OVERRIDE = "override"  # RAG overrides (DOMAIN §4.6)
    DECIDE_CHANGES = "decide_changes"  # approve or reject passport change requests (Reg §40)
    RECORD_DECISIONS = "record_decisions"  # the quarterly meeting's decisions (Reg §34)
    AUDIT = "audit"  # read the audit log


_OFFICE: Final = frozenset(
    {Right.UPLOAD, Right.ROLLBACK, Right.SETTINGS, Right.PROFILES, Right.OVERRIDE, Right.RECORD_DECISIONS, Right.AUDIT}
)
RIGHTS: Final[dict[Role, frozenset[Right]]] = {
    Role.CURATOR: frozenset({Right.OVERRIDE, Right.DECIDE_CHANGES, Right.RECORD_DECISIONS, Right.AUDIT}),
    Role.OFFICE_HEAD: _OFFICE,
    Role.COORDINATOR: _OFFICE,
    Role.PROGRAM_MANAGER: frozenset({Right.UPLOAD_OWN}),
    Role.PROJECT_MANAGER: frozenset({Right.UPLOAD_OWN}),
    Role.VIEWER: frozenset(),
    Role.OPEN_DEMO: frozenset(Right),
    Role.SHELL: frozenset(),
}
#: the roles a user account can hold (open demo mode and the server's shell are not accounts)
ACCOUNT_ROLES: Final = tuple(r for r in Role if r not in (Role.OPEN_DEMO, Role.SHELL))

Source = Literal["local", "oidc", "cli", "open"]

#: tables only an uploader of any project's rows writes: the decisions of the curator's quarterly
#: meeting are the meeting's record, kept by the office (Reg §8, §34), not the team's own data
OFFICE_TABLES: Final = frozenset({"decisions"})
#: the digital-transformation roadmaps of state bodies (DT §23–25): the office tracks them for the
#: whole portfolio; they are no project's own rows
ROADMAP_TABLES: Final = frozenset({"roadmaps", "roadmap_directions", "roadmap_events", "roadmap_changes"})


@dataclass(frozen=True)
class Actor:
    """The person acting: their login, the name the portfolio knows them by, their role."""

    login: str
    name: str
    role: Role
    source: Source

    def can(self, right: Right) -> bool:
        return right in RIGHTS[self.role]

    def require(self, *rights: Right) -> None:
        """Refuse unless the role holds one of ``rights``."""
        if not any(self.can(r) for r in rights):
            raise AccessDenied(self, rights[0])

    @property
    def label(self) -> str:
        """How the audit and the history name them: "Name (login)"."""
        return self.name if self.name == self.login else f"{self.name} ({self.login})"


def open_demo(name: str = "demo") -> Actor:
    return Actor(name, name, Role.OPEN_DEMO, "open")


class AccessDenied(PermissionError):
    """The actor's role does not carry the right (or, for a manager, the project is not theirs)."""

    def __init__(self, actor: Actor, right: Right, projects: tuple[str, ...] = ()) -> None:
        self.actor = actor
        self.right = right
        self.projects = projects
        super().__init__(
            f"{actor.login} ({actor.role}) may not {right}" + (f": {', '.join(projects)}" if projects else "")
        )


# --------------------------------------------------------------------------------------------
# A manager's own projects


def name_key(name: object) -> str:
    """A person's name as compared: case and repeated spaces ignored (as for meeting attendees)."""
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


_MANAGERS_SQL: Final = """
SELECT project_id FROM projects
WHERE ? IN (lower(regexp_replace(trim(coalesce(program_manager, '')), '\\s+', ' ', 'g')),
            lower(regexp_replace(trim(coalesce(project_manager, '')), '\\s+', ' ', 'g')))
UNION
SELECT project_id FROM team
WHERE role IN ('program_manager', 'project_manager')
  AND lower(regexp_replace(trim(person), '\\s+', ' ', 'g')) = ?
"""


def managed_projects(con: duckdb.DuckDBPyConnection, actor: Actor) -> set[str]:
    """The projects whose passport names the actor as program or project manager, or whose team
    lists them in one of those roles (Reg §12–13)."""
    key = name_key(actor.name)
    if not key:
        return set()
    return {str(r[0]) for r in con.execute(_MANAGERS_SQL, [key, key]).fetchall()}


def _project_column(table: str, frame: pd.DataFrame, indicator_projects: dict[str, str]) -> pd.Series | None:
    if "project_id" in frame.columns:
        return frame["project_id"]
    if "indicator_id" in frame.columns:  # indicator values belong to their indicator's project
        return frame["indicator_id"].map(lambda i: indicator_projects.get(str(i)) if isinstance(i, str) else None)
    return None


def foreign_rows(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    tables: dict[str, pd.DataFrame],
    headers: dict[tuple[str, str, str], str] | None = None,
) -> list[Issue]:
    """For an actor who may upload only their own projects' rows: an error for every row of
    another project. A project the upload creates counts as theirs when its passport row names
    them as a manager."""
    if actor.can(Right.UPLOAD) or not actor.can(Right.UPLOAD_OWN):
        return []
    own = managed_projects(con, actor)
    existing = {str(r[0]) for r in con.execute("SELECT project_id FROM projects").fetchall()}
    key = name_key(actor.name)
    projects = tables.get("projects")
    if projects is not None:
        for _, row in projects.iterrows():
            pid = row.get("project_id")
            if not isinstance(pid, str) or pid in existing:
                continue
            names = {
                name_key(row.get(c)) for c in ("program_manager", "project_manager") if isinstance(row.get(c), str)
            }
            if key in names:
                own.add(pid)
    indicator_projects = {
        str(r[0]): str(r[1]) for r in con.execute("SELECT indicator_id, project_id FROM indicators").fetchall()
    }
    if "indicators" in tables:
        ind = tables["indicators"]
        indicator_projects.update({str(i): str(p) for i, p in zip(ind["indicator_id"], ind["project_id"], strict=True)})
    out: list[Issue] = []
    for table, frame in tables.items():
        if table in ROADMAP_TABLES and not frame.empty:
            out.extend(_roadmap_rows(table, frame, actor, headers))
            continue
        pids = _project_column(table, frame, indicator_projects)
        if pids is None or frame.empty:
            continue
        office_only = table in OFFICE_TABLES
        bad = pids.notna() & (~pids.isin(own) | office_only)
        column = "project_id" if "project_id" in frame.columns else "indicator_id"
        for idx in bad[bad].index:
            place = str(frame.at[idx, "_place"]) if "_place" in frame.columns else ""
            file = str(frame.at[idx, "_file"]) if "_file" in frame.columns else ""
            shown = (headers or {}).get((file, place, column), column)
            out.append(
                Issue(
                    "error",
                    "office_table" if office_only else "not_your_project",
                    file,
                    place or None,
                    int(str(frame.at[idx, "_row"])) if "_row" in frame.columns else None,
                    shown,
                    display_value(frame.at[idx, column]),
                    {"project": str(pids[idx]), "user": actor.name},
                )
            )
    return out


def _roadmap_rows(
    table: str, frame: pd.DataFrame, actor: Actor, headers: dict[tuple[str, str, str], str] | None
) -> list[Issue]:
    """A manager's upload holds a roadmap's rows: each is refused, named by its first column."""
    column = str(next(c for c in frame.columns if not str(c).startswith("_")))
    out: list[Issue] = []
    for idx in frame.index:
        place = str(frame.at[idx, "_place"]) if "_place" in frame.columns else ""
        file = str(frame.at[idx, "_file"]) if "_file" in frame.columns else ""
        out.append(
            Issue(
                "error",
                "office_roadmap",
                file,
                place or None,
                int(str(frame.at[idx, "_row"])) if "_row" in frame.columns else None,
                (headers or {}).get((file, place, column), column),
                display_value(frame.at[idx, column]),
                {"user": actor.name},
            )
        )
    return out
