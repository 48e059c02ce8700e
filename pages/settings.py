"""Every threshold of the metrics, grouped by theme, and the import limits: changed and reset here
by the office head and coordinators (saved by a button, audited); the extra days off and working
days of the calendar. A change to a threshold bumps the data version: every page recomputes."""

import streamlit as st

from loaders import store
from metrics import settings as settings_mod
from ui import auth, data, shell
from ui import settings_view as sv
from ui.session import tr

view = shell.page("page.settings", live=True)
actor = auth.current()
if store.is_empty(data.live_cursor()):
    # thresholds need no data: they can be set before the first upload
    st.info(tr("settings.empty_note"), icon=":material/info:")
st.caption(tr("settings.intro"))

thresholds = settings_mod.table(data.live_cursor())
sv.sync_widgets(thresholds, data.version())
by_key = thresholds.set_index("key", drop=False)
themes = list(sv.THEMES)
tabs = st.tabs([tr(f"settings.theme.{t}") for t in (*themes, "calendar", "all")])
for tab, theme in zip(tabs, themes, strict=False):
    with tab:
        st.caption(tr(f"settings.theme_help.{theme}"))
        sv.theme_form(theme, by_key.loc[list(sv.THEMES[theme])], actor)

days = settings_mod.calendar_days(data.live_cursor())
with tabs[-2]:
    sv.calendar_days(days, view.as_of, actor)
    st.divider()
    sv.holidays_preview(days, view.as_of, view.lang)
with tabs[-1]:
    sv.all_thresholds(thresholds, actor)
