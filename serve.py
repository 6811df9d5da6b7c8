"""Start the dashboard warm: `streamlit run serve.py` serves app.py like `streamlit run app.py`,
and loads what the first search needs while the server starts (ui/warm.py).

    streamlit run serve.py --server.address 127.0.0.1 -- --db data/study/tiktoks.db

Options after ``--`` are app.py's (``--db``, ``--results``).
"""
from __future__ import annotations

import sys
import threading
import time
from contextlib import asynccontextmanager

import streamlit as st


def _warm() -> None:
    from ui.warm import warm
    t0 = time.perf_counter()
    try:
        what = warm()
    except Exception as e:   # the first request will meet (and show) the same problem
        print(f"serve: warming failed: {e}", file=sys.stderr, flush=True)
        return
    print(f"serve: warmed {what} in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)


@asynccontextmanager
async def lifespan(_app):
    # in a thread, so the server answers at once; warming is the first request's own work
    # (imports, corpus, default index), done before that request comes
    threading.Thread(target=_warm, name="trl-warm", daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan)
