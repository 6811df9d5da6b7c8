import pytest

from core.config import STUDY_BEST, Config, Dense, Lexical
from core.families import families
from core.grid import study_index_configs
from core.scheme import Spec
from core.weighting import SMART


@pytest.mark.parametrize("text", [
    "4gram.sr+ocr+c.noattr.bpx", "word.basic.attr.tfc", "7gram.ocr.noattr.bxx",
    "word+4gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).rrf",
    "4gram+dense~c~only+dense~ocr~sr.sr+ocr+c.noattr.bm25(b=0.7,k1=0.5).zsum(dense~c~only=0.25,dense~ocr~sr=0.75)",
    "4gram+dense~mpnet~ocr~sr~w64+dense~ocr~sr~w64.sr+ocr+c.noattr.bm25(b=0.7,k1=0.5).zsum(dense=0.5)",
])
def test_round_trip(text):
    assert str(Config.parse(text)) == text


def test_aliases_and_canonical_order():
    c = Config.parse("5gram.c+sr.attr.bm25(k1=1.1,b=0.7)")
    assert str(c) == "5gram.sr+c.attr.bm25(b=0.7,k1=1.1)"
    assert Config.parse("4gram.all.bpx") == STUDY_BEST
    assert c.weighting.kwargs == {"k1": 1.1, "b": 0.7}


@pytest.mark.parametrize("written, canonical", [
    # parameters equal to their defaults are dropped, as ir_measures prints measures
    ("5gram.c+sr.attr.bm25(k1=1.2,b=0.75)", "5gram.sr+c.attr.bm25"),
    ("word+4gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).rrf(k=60)", "word+4gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).rrf"),
    ("word+4gram.all.noattr.bm25(b=0.4,k1=0.9)", "word+4gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).rrf"),
    ("word.all.noattr.lmdir(mu=1000)", "word.sr+ocr+c.noattr.lmdir"),
    ("4gram+dense.all.noattr.bpx.ztop(k=50,dense=1)", "4gram+dense.sr+ocr+c.noattr.bpx.ztop"),
    ("word.ocr.noattr.bm25f(k1=1.2,music=0,b_c=0.75)", "word.ocr.noattr.bm25f(music=0)"),
    # one weight for components sharing a base name (components keep the order written)
    ("dense~ocr~sr+4gram+dense~mpnet~ocr~sr.all.noattr.bpx.zsum(dense~mpnet~ocr~sr=0.5,dense~ocr~sr=0.5)",
     "dense~ocr~sr+4gram+dense~mpnet~ocr~sr.sr+ocr+c.noattr.bpx.zsum(dense=0.5)"),
])
def test_canonical_form_drops_defaults_and_means_the_same(written, canonical):
    c = Config.parse(written)
    assert str(c) == canonical and Config.parse(canonical) == c and hash(Config.parse(canonical)) == hash(c)


def test_equality_is_ranking_the_same():
    base = Config.parse("word+4gram.all.noattr.bm25(k1=0.9,b=0.4).zsum(word=0.5)")
    assert base == Config.parse("4gram+word.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).zsum(4gram=1,word=0.5)")
    assert base != base.replace(weighting="bm25(k1=0.9,b=0.5)")
    assert base != base.replace(fusion=Spec.of("zsum"))
    assert base != base.replace(attribution=True)
    assert base.replace(weighting="bm25(b=0.4,k1=0.9)") == base
    assert Config.parse("dense+4gram.all.noattr.bpx.zsum") == Config.parse("4gram+dense.all.noattr.bpx.zsum")


def test_typed_parts_build_what_parsing_gives():
    built = Config((Lexical("4gram"), Dense("mpnet", {"ocr", "sr"}, window=64), Dense(fields={"ocr", "sr"}, window=64)),
                   weighting=Spec.of("bm25", k1=0.5, b=0.7), fusion=Spec.of("zsum", dense=0.5))
    assert built == Config.parse(str(built))
    assert str(built) == "4gram+dense~mpnet~ocr~sr~w64+dense~ocr~sr~w64.sr+ocr+c.noattr.bm25(b=0.7,k1=0.5).zsum(dense=0.5)"
    assert built.models == {"minilm", "mpnet"} and [c.window for c in built.dense] == [64, 64]
    assert built.lexical == (Lexical("4gram"),) and Lexical.ngram(4).n == 4 and Lexical.ngram(None).n is None
    assert Lexical.ngram(None, ["split", "fuzzy"]).name == "word~fuzzy~split"
    dense = Dense.parse("dense~c~only")
    assert dense.passage({"sr"}) == {"c", "only"} and Dense().passage({"sr"}) == {"sr"}


def test_every_name_the_grid_and_the_families_produce_parses_to_the_same_meaning():
    grid = [str(Config((t,), e, a, Spec(w))) for t, e, a in study_index_configs() for w in SMART]
    assert len(grid) == 960
    names = grid + [c for f in families() for c in f.candidates]
    for name in names:
        c = Config.parse(name)
        assert str(c) == name and Config.parse(str(c)) == c


def test_dense_window_option_is_parsed_and_checked():
    d = Dense.parse("dense~mpnet~ocr~sr~w64")
    assert (d.model, d.fields, d.window) == ("mpnet", frozenset({"ocr", "sr"}), 64)
    assert Dense.parse("dense~ocr").window is None
    for bad, msg in (("dense~w4", "8–512"), ("dense~w32~w64", "one window"), ("dense~sr~w0", "unknown"),
                     ("word~w64", "unknown"), ("dense~w64~sr", "sorted")):
        with pytest.raises(ValueError, match=msg):
            Config.parse(f"{bad}.all.noattr.cos")


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
