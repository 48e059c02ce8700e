"""Router of the dashboard (placeholder until the pages land): the store and its contents."""

import streamlit as st

from i18n import t
from loaders import store

st.set_page_config(page_title="PMO", layout="wide")
lang = st.query_params.get("lang", "kk")
st.title(t("app.title", lang))
con = store.connect(read_only=False)
batches = store.batches(con)
st.metric(t("app.batches", lang), len(batches))
