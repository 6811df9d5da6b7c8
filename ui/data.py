"""Which databases the dashboard shows, and cached access to them.

A *data source* is a corpus database (``tiktoks.db``) and a results database
(``results.db``). The dashboard opens, in order of precedence, on:

1. the pair chosen in the sidebar (:func:`data_source_sidebar`),
2. ``streamlit run app.py -- --db X --results Y`` (``--results`` defaults to the
   ``results.db`` next to ``--db``),
3. the environment variables ``TRL_DB`` / ``TRL_RESULTS``,
4. ``$TRL_DATA/tiktoks.db`` + ``$TRL_DATA/results.db`` (``TRL_DATA`` defaults to ``data``):
   the demo corpus that ``make demo`` builds.

Engines are cached per (database file, modification time, normalisation mode), so a
rebuilt database is picked up on the next rerun; each Engine caches its own indexes.
Results (:mod:`core.results`) are cached per (file, modification time), a corpus's test
queries per (file, its write-ahead log): every rerun of a page reads them.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from core.config import component
from core.engine import Engine
from core.fields import enrichment_name, enrichment_subsets
from core.results import Results, read_results
from core.locks import Busy
from core.store import TAGS, NotADatabase, corpus_version, load_queries, read_table, table_names
from ui.display import escape_md

SOURCE_KEY = "data_source"      # st.session_state key holding the current DataSource
_ENGINE_LOCK = threading.RLock()  # Engine caches are plain dicts: one builder at a time

TAG_LABELS = {
    "useful_description": "useful description",
    "comments_on_topic": "comments on topic",
    "purely_visual": "purely visual",
    "important_lyrics": "important lyrics",
    "subtextual": "subtextual",
}


@dataclass(frozen=True)
class DataSource:
    """A corpus database and its results database (either may be missing on disk)."""

    db: Path
    results: Path
    label: str = ""

    @property
    def has_db(self) -> bool:
        return self.db.is_file()

    @property
    def has_results(self) -> bool:
        return self.results.is_file()

    @property
    def name(self) -> str:
        return self.label or str(self.db.parent)


def _cli_paths(argv=None) -> tuple[Path | None, Path | None]:
    """``--db`` / ``--results`` from the script arguments (after ``--`` in streamlit run)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--db", type=Path)
    p.add_argument("--results", type=Path)
    args, _ = p.parse_known_args(sys.argv[1:] if argv is None else argv)
    results = args.results or (args.db.parent / "results.db" if args.db else None)
    return args.db, results


def initial_source(argv=None) -> DataSource:
    """The source the app opens on before the user picks one (see the module docstring)."""
    db, results = _cli_paths(argv)
    if db:
        return DataSource(db, results, "command line")
    env_db = os.environ.get("TRL_DB")
    if env_db:
        env_db = Path(env_db)
        env_res = Path(os.environ.get("TRL_RESULTS") or env_db.parent / "results.db")
        return DataSource(env_db, env_res, "TRL_DB")
    data = Path(os.environ.get("TRL_DATA", "data"))
    return DataSource(data / "tiktoks.db", data / "results.db", "demo")


def known_sources(argv=None) -> list[DataSource]:
    """The initial source, then every ``tiktoks.db`` found under the data directory."""
    out = [initial_source(argv)]
    data = Path(os.environ.get("TRL_DATA", "data"))
    candidates = [data / "tiktoks.db"] + sorted(data.glob("*/tiktoks.db"))
    for db in candidates:
        if db.is_file() and all(db.resolve() != s.db.resolve() for s in out):
            label = "demo" if db.parent == data else db.parent.name
            out.append(DataSource(db, db.parent / "results.db", label))
    return out


def _describe(s: DataSource) -> str:
    return f"{s.name} · {s.db}"


def data_source_sidebar() -> DataSource:
    """Draw the sidebar data-source picker and return (and remember) the chosen source.

    Called once per run by ``app.py`` before the page runs; pages read the result with
    :func:`current_source`. The choice among known sources is bound to the URL (``data``).
    """
    sources = known_sources()
    labels = [_describe(s) for s in sources] + ["Other files…"]
    with st.sidebar.expander("Data", expanded=False):
        choice = st.selectbox("Corpus and results", labels, key="data", bind="query-params",
                              help="Databases built by `make demo` or `make study`, or any "
                                   "other tiktoks.db / results.db pair.")
        if choice == labels[-1]:
            db = st.text_input("tiktoks.db path", value=str(sources[0].db), key="data_db")
            res = st.text_input("results.db path", value=str(sources[0].results), key="data_results")
            source = DataSource(Path(db).expanduser(), Path(res).expanduser(), "custom")
        else:
            source = sources[labels.index(choice)]
        st.caption(f"Corpus: `{source.db}`{'' if source.has_db else ' (missing)'}  \n"
                   f"Results: `{source.results}`{'' if source.has_results else ' (missing)'}")
    st.session_state[SOURCE_KEY] = source
    return source


def _ensure_app_navigation() -> None:
    """Run pages through app.py even when a browser's first request is a page URL.

    Streamlit treats a ``pages/`` folder next to the main script as a legacy multipage app
    until ``st.navigation`` has run once in the process; a server whose first request is,
    say, ``/search`` would then run ``pages/search.py`` alone (no app.py sidebar, no page
    titles) for every session. Clearing that flag and rerunning lets app.py's navigation
    take over and open the same page (its url_path is the file name).
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # internal API moved: nothing to fix
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def current_source() -> DataSource:
    """The data source chosen for this run (falls back to :func:`initial_source`)."""
    _ensure_app_navigation()
    return st.session_state.get(SOURCE_KEY) or initial_source()


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


def _written(path: Path) -> tuple:
    """What changes whenever SQLite writes a database: size and mtime of the file and of its
    write-ahead log (a committed write may sit in the log until a checkpoint)."""
    return tuple((s.st_size, s.st_mtime_ns) for f in (path, Path(f"{path}-wal")) if f.exists()
                 for s in [f.stat()])


@st.cache_data(show_spinner=False, max_entries=8)
def _queries(path: str, written: tuple) -> pd.DataFrame:
    return load_queries(path)


def get_queries(source: DataSource | None = None) -> pd.DataFrame:
    """:func:`core.store.load_queries` of the current (or given) source's corpus, cached until
    the database is written (a collected query shows on the next rerun)."""
    db = (source or current_source()).db.resolve()
    return _queries(str(db), _written(db))


@st.cache_resource(show_spinner="Loading the corpus…", max_entries=4)
def _load_engine(path: str, version: str, mode: str | None) -> Engine:
    return Engine.from_db(path, mode)


def get_engine(db: Path | DataSource | None = None, mode: str | None = None) -> Engine:
    """The cached :class:`Engine` of a corpus database (the current source's by default).

    Keyed by (resolved path, corpus build id, mode); ``mode=None`` uses the mode the
    corpus records. Raises FileNotFoundError when the database does not exist.
    """
    if db is None:
        db = current_source()
    path = Path(db.db if isinstance(db, DataSource) else db).resolve()
    # keyed by the corpus build, not the file's mtime: recording a view or a query changes
    # the file but not the indexed documents
    return _load_engine(str(path), corpus_version(path), mode)


def prepare_dense(engine, config) -> None:
    """Embed what ``config``'s dense components need and the cache lacks, under a progress
    bar (texts/s, time left) instead of a spinner; nothing shows when all is cached. Models
    load here, on first dense use: never at start-up, where they would slow lexical searches."""
    from core.dense.budget import needs, prepare
    wanted = needs([config]) if config.dense else []
    if not wanted:
        return
    bar = st.empty()
    start: dict = {}

    def progress(need, done: int, total: int) -> None:
        t0 = start.setdefault(need, time.monotonic())
        rate = done / max(time.monotonic() - t0, 1e-9)
        left = f" · about {(total - done) / rate / 60:.1f} min left" if done and rate else ""
        bar.progress(done / max(total, 1), text=f"Embedding {total} texts ({need}) for this configuration, "
                                               f"once: {done}/{total} · {rate:.1f} texts/s{left}")
    prepare(engine, wanted, progress)
    bar.empty()


def engine_lock() -> threading.RLock:
    """Hold this while calling an Engine: its index cache is not thread-safe across sessions."""
    return _ENGINE_LOCK


def readable_corpus(source: DataSource) -> bool:
    """Is the source's database a corpus? If not (another file, an empty one, another kind of
    database), say so in words: every page stops here, none with a traceback."""
    try:
        tables = table_names(source.db)
    except (NotADatabase, Busy) as e:
        st.error(f"Could not open the corpus `{source.db}`: {escape_md(e)}")
        return False
    if "tiktoks" not in tables:
        st.error(f"Could not open the corpus `{source.db}`: it has no `tiktoks` table, so it is "
                 "not a corpus database (build one with `make demo`, `make study` or "
                 "`python -m pipeline.etl`).")
        return False
    return True


def show_missing_data(source: DataSource, need_results: bool = False) -> bool:
    """Explain in words what is missing; True when the page can go on.

    Pages call ``if not show_missing_data(source, need_results=True): st.stop()``.
    """
    missing = []
    if not source.has_db:
        missing.append(f"the corpus database `{source.db}`")
    if need_results and not source.has_results:
        missing.append(f"the results database `{source.results}`")
    if not missing:
        return readable_corpus(source)
    st.info(
        f"**No data yet.** This page needs {' and '.join(missing)}.\n\n"
        "* `make demo` builds the demo corpus (`data/tiktoks.db`, `data/results.db`), runs the "
        "experiment grid on it and opens this dashboard.\n"
        "* `make study` imports the 2022 study (`data/study/tiktoks.db`, "
        "`data/study/results.db`); open it with `streamlit run app.py -- --db "
        "data/study/tiktoks.db` or pick it under **Data** in the sidebar.",
        icon=":material/database:")
    return False


# ---------------------------------------------------------------- results.db
# Reading results.db, its per-query rows and summaries are core.results; here the rows are
# named by configuration and cached.


def token_order(name: str) -> tuple:
    """Sort key for tokenisations: word, then n-grams by n, then anything else (fusion…)."""
    try:
        c = component(name)
    except ValueError:
        return (2, 0, name)
    if c.dense or c.options:
        return (2, 0, name)
    return (0, 0, name) if c.n is None else (1, c.n, name)


FIELDS_ORDER = [enrichment_name(s) for s in enrichment_subsets()]


@st.cache_resource(show_spinner="Reading results…", max_entries=4)
def _load_results(path: str, mtime: int, corpus: str) -> Results:
    return read_results(path, corpus)


def get_results(source: DataSource | None = None) -> Results:
    """The cached :class:`core.results.Results` of the current (or given) source's results
    database, its experiments named by configuration (``config``, ``tokenisation``,
    ``fields``, ``attribution``, ``weighting``, ``index_config``)."""
    source = source or current_source()
    path = source.results.resolve()
    return _load_results(str(path), _mtime(path), str(source.db.resolve()))


@st.cache_data(show_spinner=False, max_entries=8)
def corpus_overview(path: str, mtime: int) -> dict:
    """Counts for the Home page: documents, usable documents, field coverage, media."""
    t = read_table(path, "tiktoks")
    c = read_table(path, "comments")
    if t.empty:
        return {"documents": 0, "usable": 0, "coverage": pd.DataFrame()}
    usable = t[t.get("usable", 1).fillna(0).astype(int) == 1] if "usable" in t else t
    has_comments = set(c["video_id"]) if not c.empty else set()

    def filled(col):
        if col not in usable:
            return 0
        return int(usable[col].fillna("").astype(str).str.strip().ne("").sum())

    rows = [("Creator", filled("creator_username")), ("Description", filled("description")),
            ("Music title", filled("music_title")), ("Speech-to-text (SR)", filled("speech_to_text")),
            ("Cover OCR", filled("coverphoto_ocr")), ("On-screen text", filled("onscreen_text")),
            ("Comments (C)", int(usable["id"].isin(has_comments).sum())),
            ("Downloaded video", filled("video_path")), ("Cover photo", filled("cover_path"))]
    n = max(len(usable), 1)
    coverage = pd.DataFrame([{"field": f, "documents": k, "share": k / n} for f, k in rows])
    return {"documents": len(t), "usable": len(usable), "comments": len(c), "coverage": coverage}


def overview(source: DataSource | None = None) -> dict:
    """:func:`corpus_overview` of the current (or given) source's corpus, cached by mtime."""
    source = source or current_source()
    path = source.db.resolve()
    return corpus_overview(str(path), _mtime(path))


def tag_names() -> dict[str, str]:
    """Query tag column → readable label."""
    return {t: TAG_LABELS.get(t, t.replace("_", " ")) for t in TAGS}


def page_engine(source: DataSource | None = None) -> Engine:
    """The source's Engine for a page, or stop the page with an explanation in words."""
    source = source or current_source()
    if not show_missing_data(source):
        st.stop()
    try:
        return get_engine(source)
    except Exception as e:  # a corrupt or foreign database: say so, no traceback
        st.error(f"Could not open the corpus `{source.db}`: {escape_md(e)}")
        st.stop()


def page_results(source: DataSource | None = None, required: bool = True) -> Results | None:
    """The source's Results for a page. Missing or unreadable: stop the page with an
    explanation when ``required``, else warn (if unreadable) and return None."""
    source = source or current_source()
    if not source.has_results:
        if required:
            show_missing_data(source, need_results=True)
            st.stop()
        return None
    try:
        return get_results(source)
    except Exception as e:
        msg = f"Could not read the results database `{source.results}`: {e}"
        if required:
            st.error(msg)
            st.stop()
        st.warning(msg)
        return None
