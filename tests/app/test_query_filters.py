"""ui/query_filters: author, collection and collection-date filters, each shown only when there
is a choice to make, keeping the queries core.query_set keeps."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.conftest import no_exception, texts

QUERIES = pd.DataFrame({
    "query_id": [1, 2, 3, 4, 5],
    "author": ["ann", "bo", "ann", None, "ann"],
    "collection": ["study", "study", "collected", "collected", "collected"],
    "created_at": [None, None, "2025-01-10T09:00:00+00:00", "2025-02-01T12:00:00+00:00", "2025-03-05T18:30:00+00:00"],
})


def page(queries):
    import streamlit as st

    from ui.query_filters import query_filters
    st.text(",".join(map(str, query_filters(queries)["query_id"])))


def run(queries) -> AppTest:
    at = AppTest.from_function(page, args=(queries,)).run()
    no_exception(at)
    return at


def kept(at) -> str:
    return at.text[0].value


def test_no_choice_no_widgets():
    at = run(QUERIES.assign(author="ann", collection="study", created_at=None))
    assert kept(at) == "1,2,3,4,5"
    assert not at.multiselect and not at.toggle and not at.date_input


def test_authors_and_collections_with_their_counts():
    at = run(QUERIES)
    assert kept(at) == "1,2,3,4,5"
    assert at.multiselect(key="qf_authors").options == ["unknown (1)", "ann (3)", "bo (1)"]
    assert at.multiselect(key="qf_collections").options == ["collected (3)", "study (2)"]
    at.multiselect(key="qf_authors").set_value(["ann"]).run()
    assert kept(at) == "1,3,5"
    at.multiselect(key="qf_collections").set_value(["collected"]).run()
    assert kept(at) == "3,5"
    at.multiselect(key="qf_authors").set_value(["", "bo"]).run()   # the unknown author is a choice too
    assert kept(at) == "4"


def test_collection_dates_only_when_asked():
    at = run(QUERIES)
    assert not at.date_input
    at.toggle(key="qf_dated").set_value(True).run()
    no_exception(at)
    dates = at.date_input(key="qf_dates")
    assert dates.value == (dt.date(2025, 1, 10), dt.date(2025, 3, 5))
    assert kept(at) == "3,4,5"   # the study's queries have no collection date
    dates.set_value((dt.date(2025, 2, 1), dt.date(2025, 2, 1))).run()
    assert kept(at) == "4"   # a date covers its whole day
    at.toggle(key="qf_dated").set_value(False).run()
    assert kept(at) == "1,2,3,4,5"


def test_experiments_and_query_lab_filter_by_author(app):
    at = app("experiments")
    at.multiselect(key="qf_authors").set_value(["ann"]).run()
    no_exception(at)
    assert "2 of 6 queries" in texts(at)
    at = app("query_lab")
    at.multiselect(key="qf_authors").set_value(["bo"]).run()
    no_exception(at)
    assert at.selectbox(key="query").options == ["#3 · dnd players stairs door", "#4 · one piece jingle bells"]
