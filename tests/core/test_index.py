import numpy as np
import pandas as pd

from core.config import Config
from core.engine import Engine
from core.index import TokenisedCorpus, build_index
from core.store import Corpus


def corpus():
    return Corpus(pd.DataFrame({
        "id": ["1", "2", "3"],
        "description": ["red fox", "blue fox", "green frog"],
        "creator_username": ["@a", "@b", "@c"],
        "speech_to_text": ["the fox jumps", "", "frog song"],
        "coverphoto_ocr": ["", "FOX", ""],
        "comment_text": ["nice fox", "", ""],
    }))


def test_attribution_separates_fields_and_their_document_frequencies():
    src = TokenisedCorpus(corpus())
    plain = build_index(src, "word", {"sr", "ocr", "c"}, False)
    attr = build_index(src, "word", {"sr", "ocr", "c"}, True)
    names = {plain.term(c) for c in range(plain.vocab_size)}
    attr_names = {attr.term(c) for c in range(attr.vocab_size)}
    assert "fox" in names and "sr:fox" not in names
    assert {"fox", "sr:fox", "ocr:fox", "c:fox"} <= attr_names
    assert attr.vocab_size > plain.vocab_size
    fox = [c for c in range(plain.vocab_size) if plain.term(c) == "fox"][0]
    assert plain.counts[:, fox].toarray().ravel().tolist() == [3, 2, 0]


def test_attributed_query_matches_every_field():
    e = Engine(corpus())
    hits = e.search(Config.parse("word.ocr.attr.bxx"), "fox")
    # doc 2 has fox in description and OCR (two attributed columns), doc 1 only in description
    assert hits["id"].tolist() == ["2", "1"] and hits["score"].tolist() == [2.0, 1.0]


def test_ngrams_never_span_fields():
    src = TokenisedCorpus(corpus())
    idx = build_index(src, "4gram", frozenset(), False)
    terms = {idx.term(c) for c in range(idx.vocab_size)}
    assert "fox@" not in terms and "ox @" not in terms  # description then username
    assert {"red ", "d fo", " fox"} <= terms


def test_enrichment_only_adds_fields():
    src = TokenisedCorpus(corpus())
    basic = build_index(src, "word", frozenset(), False)
    sr = build_index(src, "word", {"sr"}, False)
    assert sr.vocab_size > basic.vocab_size
    assert basic.build_seconds >= 0 and basic.nbytes > 0


def test_cached_engine_reuses_indexes():
    e = Engine(corpus())
    a = e.index("word", {"sr"}, False)
    assert e.index("word", frozenset({"sr"}), False) is a
    assert np.isclose(e.scores(Config.parse("word.sr.noattr.bxx"), ["fox"])[0], [[1, 1, 0]]).all()
    assert np.isclose(e.scores(Config.parse("word.sr.noattr.txx"), ["fox"])[0], [[2, 1, 0]]).all()
