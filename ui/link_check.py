"""Say which values of an opened link the controls could not take.

A control bound to the URL (``bind="query-params"``) that is given a value it cannot hold
(``k1=abc``, a slider value out of range, an option that does not exist) silently shows its
default and Streamlit drops or corrects the parameter. A shared link is how a user hands over
a view, so the page says which values were not used. Streamlit also drops a parameter whose
value *is* the default; that one is recognised because it is one of the control's options as
the URL writes them (their labels), or, for a number, text or toggle, because the control then
shows that value. The options come from Streamlit's record of the bound widget (not a public
API: without it, a value is compared with the control's value only).
"""
from __future__ import annotations

import math

import streamlit as st

from ui.display import escape_md


def snapshot() -> dict[str, list[str]]:
    """The URL's parameters as this run starts (call before any control is drawn)."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _url_options(key: str) -> list[str] | None:
    """The option strings the URL may hold for the control bound to `key` (None: any)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
        state = get_script_run_ctx().session_state._state
        binding = state.query_params.get_binding_for_param(key)
        return state._new_widget_state.widget_metadata[binding.widget_id].formatted_options
    except (AttributeError, KeyError, ImportError):
        return None


def _same(given: list[str], value) -> bool:
    """Whether the URL's strings say `value` (the control's value after this run)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(map(str, value)) == sorted(given)
    if len(given) != 1:
        return False
    text = given[0].strip()
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return math.isclose(float(text), float(value), rel_tol=1e-9, abs_tol=1e-12)
        except ValueError:
            return False
    return text == str(value)


def unused(before: dict[str, list[str]]) -> dict[str, list[str]]:
    """The link's parameters a control changed or dropped without taking their value."""
    out = {}
    for key, given in before.items():
        if key not in st.session_state or st.query_params.get_all(key) == given:
            continue
        options = _url_options(key)
        if options is not None:
            wrong = [g for g in given if g not in options]
            if wrong:
                out[key] = wrong
        elif not _same(given, st.session_state[key]):
            out[key] = given
    return out


def warn(before: dict[str, list[str]], where) -> None:
    """A warning in `where` (a container drawn above the page) naming each unused value."""
    bad = unused(before)
    if not bad:
        return
    parts = ", ".join(f"{k}={'&'.join(v) if v else '(empty)'}" for k, v in bad.items())
    where.warning(f"This link's {escape_md(parts)} could not be used: not a value its control "
                  "takes, so the control shows its default (or the part it could take).",
                  icon=":material/link_off:")
