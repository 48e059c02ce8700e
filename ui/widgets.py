"""A select box whose words follow a language switch at once.

Streamlit names a keyed widget by its key alone, and its select box keeps the text of the chosen
option as it was first drawn: after a switch to Russian the program filter still reads
"Барлығы". So the box is keyed per language (``<key>@<lang>``) and a switch draws a new box in
the new words; the value lives under ``key`` itself, the same in every language, where the pages,
callbacks and links read and set it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

from .session import lang

T = TypeVar("T")


def widget_key(key: str, language: str | None = None) -> str:
    """The key of the box drawn for ``key`` in ``language`` (the page's by default)."""
    return f"{key}@{language or lang()}"


def _copy(key: str, widget: str, then: Callable[..., object] | None, args: tuple[Any, ...]) -> None:
    st.session_state[key] = st.session_state[widget]
    if then is not None:
        then(*args)


def selectbox(
    where: Any,
    label: str,
    options: Sequence[T],
    *,
    key: str,
    on_change: Callable[..., object] | None = None,
    args: tuple[Any, ...] = (),
    **kwargs: Any,
) -> T | None:
    """``where.selectbox(...)`` (``where`` is ``st`` or a column) with its value kept under ``key``."""
    widget = widget_key(key)
    if key in st.session_state and st.session_state[key] in options:
        st.session_state[widget] = st.session_state[key]  # the value, whatever language drew it
        kwargs.pop("index", None)
    value: T | None = where.selectbox(
        label, options, key=widget, on_change=_copy, args=(key, widget, on_change, args), **kwargs
    )
    st.session_state[key] = value
    return value


def multiselect(
    where: Any, label: str, options: Sequence[T], *, key: str, format_func: Callable[[T], str], **kwargs: Any
) -> list[T]:
    """``where.multiselect(...)`` with its choice kept under ``key``, the same in every language
    (a multiselect sends back the words of its options: drawn anew per language, its choice
    survives a switch); a kept choice the options no longer hold (another project's) is dropped.
    ``format_func`` must not read the language when called: make its words in this run."""
    widget = widget_key(key)
    st.session_state[widget] = [v for v in st.session_state.get(key) or [] if v in options]
    value: list[T] = where.multiselect(
        label, options, key=widget, format_func=format_func, on_change=_copy, args=(key, widget, None, ()), **kwargs
    )
    st.session_state[key] = list(value)
    return list(value)
