"""The audit log (coordinators, the office head, the curator): who imported, rolled back, changed
a setting or the calendar, overrode a status, saved a profile, exported or signed in, and when;
filtered by day, person and action; downloadable; and whether its chain of hashes is intact."""

import streamlit as st

from loaders.access import Right
from ui import audit_view as av
from ui import auth, shell
from ui.session import tr

view = shell.page("page.audit", live=True)
actor = auth.current()
actor.require(Right.AUDIT)  # the navigation shows this page only to those who may; a link does not
st.caption(tr("audit.intro"))
av.verdict()
since, until, who, actions = av.filters(view.as_of)
av.log_table(since, until, who, actions)
