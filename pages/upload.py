"""The coordinator's Friday upload: template, files, check and preview, confirm; history and rollback.

Works on an empty database (the other pages' empty states send people here). Nothing is written
until the user confirms; an export of another system goes through a mapping profile first. A
manager's upload may hold only the rows of their own projects; rollback is the office's.
"""

import streamlit as st

from ui import auth, shell, upload_mapping, upload_view
from ui.session import tr

view = shell.page("page.upload", live=True)
actor = auth.current()
st.caption(tr("upload.intro"))

left, right = st.columns([2, 3], vertical_alignment="bottom")
with left:
    upload_view.template_button(view.lang)
with right:
    upload_view.who(actor)

upload_view.show_flash()

st.subheader(tr("upload.files_title"))
files = upload_view.uploaded_files()
if files:
    plan = upload_view.plan_for(files, actor)
    mapping_on, mapping = upload_mapping.step(files, plan, actor)
    if mapping_on:
        plan = upload_view.plan_for(files, actor, mapping) if mapping is not None else None
    if plan is not None:
        st.subheader(tr("upload.check_title"))
        upload_view.show_passport_changes(plan)
        upload_view.show_issues(plan)
        upload_view.show_changes(plan)
        upload_view.confirm(plan, actor)

st.divider()
upload_view.history(actor)
