"""Router: page config, sign-in, navigation grouped Review / Work / Data (the pages the user's role
opens), the shared sidebar."""

from pathlib import Path

import streamlit as st

from ui import auth, background
from ui.nav import pages_for
from ui.session import init_from_url, tr
from ui.shell import frame

ICON = Path(__file__).parent / "ui" / "static" / "favicon.png"  # served from here, not a font server

st.set_page_config(page_title="PMO", page_icon=str(ICON), layout="wide")
init_from_url()
background.start()
actor = auth.gate()
navigation = st.navigation(
    {
        tr(group): [st.Page(p.path, title=tr(p.title), icon=p.icon, default=p.default) for p in pages]
        for group, pages in pages_for(actor).items()
    },
    expanded=True,  # every page the role opens is listed (Streamlit folds all past the tenth)
)
frame(actor)
navigation.run()
