"""serve.py: `streamlit run serve.py -- --db X` serves the same dashboard as app.py, and has
the first search's work (imports, corpus, default index) done in the server at start."""
from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import streamlit_app

pytestmark = pytest.mark.slow


def test_the_launcher_warms_the_corpus_given_after_the_dashes_then_serves_it(tiny_db, tiny_results,
                                                                           tmp_path, chromium):
    args = ["--db", tiny_db, "--results", tiny_results]
    with streamlit_app(tmp_path, app_args=args, env={"TRL_OFFLINE": "1"}, script="serve.py") as url:
        log = tmp_path / "streamlit.log"
        for _ in range(240):
            if "serve: warm" in log.read_text():
                break
            time.sleep(0.25)
        text = log.read_text()
        assert f"serve: warmed {tiny_db}: 10 documents, 4gram.sr+ocr+c.noattr in" in text, text
        page = chromium.new_page()
        page.set_default_timeout(30_000)
        page.goto(url + "/search?q=corgi+running+on+beach")
        page.get_by_text("@dogdad").first.wait_for()      # the target, from the warmed corpus
        page.get_by_text("TikTok Retrieval Lab").first.wait_for()   # app.py's sidebar and pages
        assert "Traceback" not in log.read_text()
