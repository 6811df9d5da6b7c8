import pytest

from core.config import STUDY_BEST, Config


@pytest.mark.parametrize("text", [
    "4gram.sr+ocr+c.noattr.bpx", "word.basic.attr.tfc", "7gram.ocr.noattr.bxx",
    "word+4gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).rrf(k=60)",
])
def test_round_trip(text):
    assert str(Config.parse(text)) == text


def test_aliases_and_canonical_order():
    c = Config.parse("5gram.c+sr.attr.bm25(k1=1.2,b=0.75)")
    assert str(c) == "5gram.sr+c.attr.bm25(b=0.75,k1=1.2)"
    assert Config.parse("4gram.all.bpx") == STUDY_BEST
    assert c.weighting.kwargs == {"k1": 1.2, "b": 0.75}


@pytest.mark.parametrize("bad, message", [
    ("bpx", "bad configuration"), ("4gram.xyz.noattr.bpx", "unknown enrichment"),
    ("3.sr.attr.bpx", "unknown tokenisation"), ("4gram.sr.attr.bm25(k1=x)", "bad parameter"),
    # fusion
    ("word+4gram.all.noattr.bm25.max", "unknown fusion"), ("word.all.noattr.bm25.rrf", "several components"),
    ("word+4gram.all.noattr.bm25.zsum(k=3)", "takes no k"), ("word+4gram.all.noattr.bm25.zsum(dense=2)", "weight"),
    ("word+word.all.noattr.bm25", "twice"),
    # query options, top-k z fusion, dense passages
    ("word+4gram.all.noattr.bm25.ztop(k=1)", "at least 2"),
    ("word~split~rm3.all.noattr.bm25", "sorted"), ("dense~only.all.noattr.cos", "only"),
    ("dense~basic~c~only.all.noattr.cos", "only"),
    # BM25F
    ("word.all.attr.bm25f(k1=1)", "noattr"), ("word.all.bm25f(speech=1)", "unknown bm25f parameter"),
    ("word.all.bm25f(b_c=2)", "0 <= b <= 1"), ("word.all.bm25f(c=-1)", ">= 0"),
])
def test_errors_are_specific(bad, message):
    with pytest.raises(ValueError, match=message):
        Config.parse(bad)
