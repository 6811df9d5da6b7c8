"""The test set's filters: query author, collection and collection date (core.query_set)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.query_set import filter_queries, query_facets


@st.cache_data(show_spinner=False, max_entries=16)
def _facets(queries: pd.DataFrame) -> dict:
    return query_facets(queries)   # parsing dates and counting: milliseconds, every rerun


def query_label(query_id, text) -> str:
    """How a test query is named in a select box, and so in a URL that selects it."""
    return f"#{query_id} · {text}"


def query_filters(queries: pd.DataFrame, key: str = "qf") -> pd.DataFrame:
    """Author, collection and collection-date filters for a test set (core.query_set).

    Each widget appears only when there is a choice to make; author and collection are bound
    to the URL. Returns the queries that pass.
    """
    facets = _facets(queries)
    authors = collections = since = until = None
    left, middle, right = st.columns(3)
    if len(facets["authors"]) > 1:
        authors = left.multiselect(
            "Query authors", list(facets["authors"]), key=f"{key}_authors", bind="query-params",
            format_func=lambda a: f"{a or 'unknown'} ({facets['authors'][a]})",
            placeholder="all authors") or None
    if len(facets["collections"]) > 1:
        collections = middle.multiselect(
            "Query collections", list(facets["collections"]), key=f"{key}_collections",
            bind="query-params", format_func=lambda c: f"{c or 'unnamed'} ({facets['collections'][c]})",
            placeholder="all collections") or None
    if facets["first"] is not None and right.toggle("Only queries collected between…",
                                                      key=f"{key}_dated"):
        chosen = right.date_input("Collection dates", value=(facets["first"], facets["last"]),
                                  key=f"{key}_dates", label_visibility="collapsed")
        if isinstance(chosen, (tuple, list)) and len(chosen) == 2:
            since, until = chosen
    return filter_queries(queries, authors=authors, since=since, until=until, collections=collections)
