"""ui/warm.py: what serve.py does at start lands in the cache the pages read."""
from __future__ import annotations

import streamlit as st

from core.config import STUDY_BEST
from ui.data import get_engine, initial_source
from ui.warm import warm


def test_warm_loads_the_initial_source_into_the_pages_engine_cache(tiny_db, monkeypatch):
    monkeypatch.setenv("TRL_DB", str(tiny_db))
    st.cache_resource.clear()
    assert warm() == f"{tiny_db}: 10 documents, {STUDY_BEST.index_name}"
    engine = get_engine(initial_source())           # what a page asks for: the same object
    key = (STUDY_BEST.lexical[0].tokeniser, frozenset(STUDY_BEST.enrichment), STUDY_BEST.attribution)
    assert key in engine._indexes
    assert get_engine(initial_source()) is engine


def test_warm_without_a_corpus_imports_only(tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_DB", str(tmp_path / "absent.db"))
    assert warm() == f"modules only ({tmp_path / 'absent.db'} does not exist)"
    assert not (tmp_path / "absent.db").exists()
    monkeypatch.setenv("TRL_DB", str(tmp_path))   # a directory was said not to exist
    assert warm() == f"modules only ({tmp_path} is a directory, not a database file)"
