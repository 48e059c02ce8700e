"""The floor of a Streamlit page in the browser: two pages holding a title, a caption and one select
box, in the same sidebar navigation and page layout as the dashboard. ``bench.bench_browser`` times
it next to the dashboard, so what the dashboard spends above Streamlit's own cost shows."""

import streamlit as st

st.set_page_config(page_title="floor", layout="wide")


def _page(title: str) -> None:
    st.title(title)
    choice = st.sidebar.selectbox("Program", ["", "A", "B", "C"], key="program")
    st.caption(f"chosen: {choice or '-'}")


def _first() -> None:
    _page("Overview")


def _second() -> None:
    _page("Second")


st.navigation(
    [
        st.Page(_first, title="Overview", url_path="overview", default=True),
        st.Page(_second, title="Second", url_path="second"),
    ],
    expanded=True,
).run()
