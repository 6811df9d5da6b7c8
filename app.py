"""TikTok Retrieval Lab: the experiment dashboard.

    streamlit run app.py --server.address 127.0.0.1                             # demo corpus
    streamlit run app.py --server.address 127.0.0.1 -- --db data/study/tiktoks.db   # the 2022 study
    streamlit run app.py --server.address 127.0.0.1 -- --db X.db --results Y.db     # any pair

(without ``--server.address 127.0.0.1`` Streamlit listens on every interface). ``streamlit
run serve.py`` with the same options serves this app with the first search's work (imports,
corpus, default index) done while the server starts: what ``make demo`` runs.

Pages are thin views over ``core``; shared helpers live in the ``ui`` package. The data
source can also be set with ``TRL_DB`` / ``TRL_RESULTS`` (or ``TRL_DATA``) and changed in
the sidebar under **Data**.
"""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from ui import link_check, presenter, shared_config
from ui.data import data_source_sidebar
from ui.display import EMBED_KEY

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"

st.set_page_config(page_title="TikTok Retrieval Lab", page_icon=":material/manage_search:",
                   layout="wide", initial_sidebar_state="auto")
link = link_check.snapshot()   # before any control takes (or drops) the URL's values

# url_path = the file name, as Streamlit's legacy pages/ folder would name it (see
# ui.data._ensure_app_navigation)
pages = [
    st.Page(PAGES / "home.py", title="Home", icon=":material/home:", default=True),
    st.Page(PAGES / "search.py", title="Search", icon=":material/search:", url_path="search"),
    st.Page(PAGES / "tune.py", title="Tune", icon=":material/tune:", url_path="tune"),
    st.Page(PAGES / "query_lab.py", title="Query lab", icon=":material/science:", url_path="query_lab"),
    st.Page(PAGES / "experiments.py", title="Experiments", icon=":material/leaderboard:",
            url_path="experiments"),
    st.Page(PAGES / "index_stats.py", title="Index stats", icon=":material/memory:",
            url_path="index_stats"),
]
# pages other engineers add: listed as soon as their file exists
for name, title, icon in (("viewer", "Viewer", ":material/video_library:"),
                          ("collect", "Collect queries", ":material/edit_note:")):
    if (PAGES / f"{name}.py").exists():
        pages.append(st.Page(PAGES / f"{name}.py", title=title, icon=icon, url_path=name))

nav = st.navigation(pages)
st.sidebar.markdown("### :material/manage_search: TikTok Retrieval Lab")
data_source_sidebar()
with st.sidebar.expander("Media", expanded=False):
    st.toggle("Embed TikTok player", value=os.environ.get("TRL_OFFLINE", "") != "1", key=EMBED_KEY,
              bind="query-params",
              help="Play videos that were not downloaded in TikTok's online Embed Player. "
                   "Off: show the cover photo or a text card (offline demos).")
# the configuration controls, drawn here so they and their URL values stay across pages
if nav.url_path in shared_config.PAGES and not (nav.url_path == "search" and presenter.requested()):
    shared_config.draw()
link_slot = st.container()      # above the page: which of the link's values were not used
try:
    nav.run()
finally:
    link_check.warn(link, link_slot)
