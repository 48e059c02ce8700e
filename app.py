"""Router: page config, navigation grouped Review / Work / Data, the shared sidebar."""

import streamlit as st

from ui.session import init_from_url, tr
from ui.shell import frame

st.set_page_config(page_title="PMO", page_icon=":material/dashboard:", layout="wide")
init_from_url()

PAGES = {
    "nav.review": [
        ("pages/overview.py", "page.overview", ":material/dashboard:", True),
        ("pages/kpi.py", "page.kpi", ":material/monitoring:", False),
        ("pages/risks.py", "page.risks", ":material/warning:", False),
        ("pages/overdue.py", "page.overdue", ":material/schedule:", False),
        ("pages/passport.py", "page.passport", ":material/description:", False),
    ],
    "nav.work": [
        ("pages/meeting_load.py", "page.meeting_load", ":material/groups:", False),
        ("pages/budget.py", "page.budget", ":material/payments:", False),
        ("pages/meeting.py", "page.meeting", ":material/co_present:", False),
    ],
    "nav.data": [
        ("pages/upload.py", "page.upload", ":material/upload_file:", False),
        ("pages/settings.py", "page.settings", ":material/tune:", False),
    ],
}

navigation = st.navigation(
    {
        tr(group): [st.Page(path, title=tr(title), icon=icon, default=default) for path, title, icon, default in pages]
        for group, pages in PAGES.items()
    }
)
frame()
navigation.run()
