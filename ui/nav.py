"""The pages, grouped Review / Work / Data, and which of them a role opens."""

from __future__ import annotations

from typing import Final, NamedTuple

from loaders.access import Actor, Right


class PageSpec(NamedTuple):
    path: str
    title: str  # catalog key
    icon: str
    default: bool
    rights: tuple[Right, ...]  # any one of them opens the page; none = everyone


PAGES: Final[dict[str, tuple[PageSpec, ...]]] = {
    "nav.review": (
        PageSpec("pages/overview.py", "page.overview", ":material/dashboard:", True, ()),
        PageSpec("pages/digest.py", "page.digest", ":material/difference:", False, ()),
        PageSpec("pages/kpi.py", "page.kpi", ":material/monitoring:", False, ()),
        PageSpec("pages/risks.py", "page.risks", ":material/warning:", False, ()),
        PageSpec("pages/overdue.py", "page.overdue", ":material/schedule:", False, ()),
        PageSpec("pages/roadmaps.py", "page.roadmaps", ":material/route:", False, ()),
        PageSpec("pages/passport.py", "page.passport", ":material/description:", False, ()),
    ),
    "nav.work": (
        PageSpec("pages/meeting_load.py", "page.meeting_load", ":material/groups:", False, ()),
        PageSpec("pages/budget.py", "page.budget", ":material/payments:", False, ()),
        PageSpec("pages/meeting.py", "page.meeting", ":material/co_present:", False, ()),
    ),
    "nav.data": (
        PageSpec("pages/upload.py", "page.upload", ":material/upload_file:", False, (Right.UPLOAD, Right.UPLOAD_OWN)),
        PageSpec("pages/settings.py", "page.settings", ":material/tune:", False, ()),
        PageSpec("pages/audit.py", "page.audit", ":material/policy:", False, (Right.AUDIT,)),
    ),
}


def pages_for(actor: Actor) -> dict[str, list[PageSpec]]:
    """The groups and pages this user's role opens (the others are not in the navigation, so a
    link to one of them does not open it either)."""
    return {
        group: [p for p in pages if not p.rights or any(actor.can(r) for r in p.rights)]
        for group, pages in PAGES.items()
    }
