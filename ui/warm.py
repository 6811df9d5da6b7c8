"""Start-up work done before the first visitor asks for it.

A freshly started dashboard spent its first request importing the pages' libraries (pandas,
scipy.stats, Altair: about 1.5 s on 2 cores), loading the corpus and reading or building the
default index, all while the visitor waited. :func:`warm` does that in the server process as
soon as it starts (``serve.py`` runs it in a background thread from the server's lifespan),
into the same ``st.cache_resource`` cache the pages read, so the first search only ranks.
Dense models are never loaded here: a lexical search must not wait on, or share the cores
with, loading them (they load on first dense use, under a progress bar).
"""
from __future__ import annotations

import importlib
import logging
import threading

# what the pages import, in the order a first request would
MODULES = ("pandas", "altair", "scipy.stats", "core.engine", "core.evaluation", "core.families",
           "ui.controls", "ui.display", "ui.charts", "ui.evaluation", "ui.tune")


def warm() -> str:
    """Import the pages' modules and load the initial data source's engine with the study's
    best index (from the disk cache when it is there); returns what was warmed."""
    this = threading.current_thread().name   # Streamlit warns of a thread outside any session
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: threading.current_thread().name != this)
    for name in MODULES:
        importlib.import_module(name)
    from core.config import STUDY_BEST
    from ui.data import engine_lock, get_engine, initial_source

    source = initial_source()
    if not source.has_db:
        what = "is a directory, not a database file" if source.db.is_dir() else "does not exist"
        return f"modules only ({source.db} {what})"
    with engine_lock():
        engine = get_engine(source)
        engine.warm((STUDY_BEST,))
    return f"{source.db}: {engine.n_docs} documents, {STUDY_BEST.index_name}"
