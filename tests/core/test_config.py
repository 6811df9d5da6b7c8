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
])
def test_errors_are_specific(bad, message):
    with pytest.raises(ValueError, match=message):
        Config.parse(bad)
