"""The Collect queries page: the form, its validation, import/export and a grid rerun."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from core.history import record_view
from core.query_set import export_queries
from core.store import TAGS, load_queries, read_table, write_corpus
from tests.conftest import tiny_rows

ROOT = Path(__file__).resolve().parents[2]
SUBMIT = "FormSubmitter:add_query-Add query"


def collect_page(db, monkeypatch, results=None) -> AppTest:
    monkeypatch.setenv("TRL_DB", str(db))
    monkeypatch.setenv("TRL_RESULTS", str(results or Path(db).with_name("results.db")))
    at = AppTest.from_file(str(ROOT / "pages" / "collect.py"), default_timeout=60)
    at.query_params["participant"] = "ann"
    return at.run()


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """Bytes of every file handed to st.download_button, by media file id."""
    files = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return files


def downloaded(at, files) -> str:
    url = at.download_button(key="cq_export").proto.url
    return files[url.rsplit("/", 1)[1].split(".")[0]].decode()


def fill(at, text, pick=None, typed=None, tags=()):
    at.text_area(key="cq_text").input(text)
    if pick:
        at.selectbox(key="cq_pick").select(pick)
    if typed is not None:
        at.text_input(key="cq_typed").input(typed)
    for t in tags:
        at.checkbox(key=f"cq_{t}").check()
    return at.button(key=SUBMIT).click().run()


def test_a_valid_query_from_history_is_stored(tiny_db, monkeypatch):
    record_view(tiny_db, "ann", "1005")
    record_view(tiny_db, "ann", "1009")
    at = collect_page(tiny_db, monkeypatch)
    assert not at.exception
    assert "Content warning" in " ".join(m.value for m in at.markdown)
    assert at.selectbox(key="cq_pick").options[0].startswith("1009 ")  # newest first
    assert all(at.checkbox(key=f"cq_{t}").help for t in TAGS)
    at = fill(at, "mario speedrun stairs jump", pick="1005", tags=("useful_description", "purely_visual"))
    assert not at.exception and "Added query 7 for video 1005" in at.success[0].value
    q = load_queries(tiny_db).iloc[-1]
    assert (q["query_text"], q["target_id"], q["author"], q["collection"]) == (
        "mario speedrun stairs jump", "1005", "ann", "collected")
    assert q["created_at"] and [q[t] for t in TAGS] == [1, 0, 1, 0, 0]
    assert at.text_area(key="cq_text").value in ("", None)  # the form is cleared for the next one
    assert at.dataframe[0].value["query_id"].tolist() == [1, 2, 7]  # ann's queries


@pytest.mark.parametrize("text, typed, message", [
    ("", "1001", "Type a few words"),
    ("pasta", "", "Pick the target"),
    ("pasta", "12ab", "not a TikTok id"),
    ("pasta", "424242", "no video with id 424242"),
    ("pasta", "1011", "not searchable"),
    ("Garlic pasta quick RECIPE", "1001", "already in the test set"),
])
def test_invalid_queries_get_a_clear_message(tiny_db, monkeypatch, text, typed, message):
    at = collect_page(tiny_db, monkeypatch)
    at = fill(at, text, typed=typed)
    assert not at.exception and not at.success
    assert message in at.error[0].value
    assert len(load_queries(tiny_db)) == 6
    assert at.text_area(key="cq_text").value == text  # kept, to be corrected


def test_a_pasted_id_is_quoted_as_text(tiny_db, monkeypatch):
    """A pasted id of Markdown (an image the browser fetched, a live link) rendered in the error."""
    at = collect_page(tiny_db, monkeypatch)
    at = fill(at, "pasta", typed="[click me](http://127.0.0.1:9/p)")
    assert not at.exception and "not a TikTok id" in at.error[0].value
    assert "](http" not in at.error[0].value and "\\[click me\\]" in at.error[0].value


def test_export_import_export_gives_identical_json(tiny_db, tmp_path, monkeypatch, downloads):
    at = collect_page(tiny_db, monkeypatch)
    at = fill(at, "corgi «zoomies» on the beach 🐶", typed="1009", tags=("subtextual",))
    first = downloaded(at, downloads)
    assert first == export_queries(load_queries(tiny_db)) and len(json.loads(first)) == 7

    other = tmp_path / "other" / "tiktoks.db"
    tiktoks, comments, _ = tiny_rows()
    write_corpus(other, tiktoks, comments)
    at2 = collect_page(other, monkeypatch)
    at2.file_uploader(key="cq_upload").upload("queries.json", first.encode(), "application/json")
    at2 = at2.run().button(key="cq_import").click().run()
    assert not at2.exception and "7 queries added" in at2.success[0].value
    assert downloaded(at2, downloads) == first
    # importing the same file again adds nothing
    at2 = at2.button(key="cq_import").click().run()
    assert "0 queries added, 7 already in the set" in at2.success[0].value
    assert downloaded(at2, downloads) == first


def test_filters_select_queries_for_export(tiny_db, monkeypatch, downloads):
    at = collect_page(tiny_db, monkeypatch)
    at = at.multiselect(key="cq_authors").select("bo").run()
    assert "2 of 6 queries" in " ".join(c.value for c in at.caption)
    assert [q["author"] for q in json.loads(downloaded(at, downloads))] == ["bo", "bo"]


def test_rerun_the_grid_on_a_new_query(tiny_db, monkeypatch):
    results = tiny_db.with_name("results.db")
    at = collect_page(tiny_db, monkeypatch, results)
    at = fill(at, "plank challenge day twelve", typed="1010")
    at = at.multiselect(key="cq_tokens").set_value(["word"]).run()
    at = at.button(key="cq_run").click().run()
    assert not at.exception and "Ran 192 experiments on 7 queries" in at.success[-1].value
    assert at.get("progress")[0].proto.value == 100
    ranks = read_table(results, "ranking_results")
    assert sorted(ranks["query_id"].unique()) == list(range(1, 8))
    assert read_table(results, "queries")["query_text"].iloc[-1] == "plank challenge day twelve"


def test_an_imported_query_text_is_shown_as_text(tiny_db, monkeypatch):
    """Issue 11, defect 3: a skipped query's text rendered as Markdown (an image)."""
    hostile = json.dumps([{"text": "![b](http://127.0.0.1:9/imp.png)", "target": "999999", "author": "x"}])
    at = collect_page(tiny_db, monkeypatch)
    at.file_uploader(key="cq_upload").upload("queries.json", hostile.encode(), "application/json")
    at = at.run().button(key="cq_import").click().run()
    skipped = [c.value for c in at.caption if "skipped" in c.value]
    assert not at.exception and skipped and all("](" not in c and "\\]\\(" in c for c in skipped), skipped
