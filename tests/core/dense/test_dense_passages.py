"""The text a document is embedded as: passages by enrichment, and their windows."""
from core.dense import enrichment_key, passages, windows
from core.store import load_corpus


def test_passages_follow_enrichment(tiny_db):
    docs = load_corpus(tiny_db).docs
    basic, full = passages(docs, ()), passages(docs, ("sr", "ocr", "c"))
    assert basic[0] == "Maria Cooks 5 minute garlic pasta 🍝 #cooking #pasta original sound - Maria"
    assert full[0].startswith(basic[0] + " GARLIC PASTA HACK today we make")


def test_windows_overlap_by_half_and_end_flush():
    assert windows("a b c d e", 2) == ["a b", "b c", "c d", "d e"]
    assert windows("a b c d e f g", 4) == ["a b c d", "c d e f", "d e f g"]   # last flush with the end
    assert windows("  a   b ", 8) == ["a b"]
    assert windows("", 8) == [] and windows("   ", 8) == []


def test_comments_only_passages(tiny_db):
    docs = load_corpus(tiny_db).docs
    assert passages(docs, ("c", "only"))[0] == "looks delicious adding chili flakes next time"
    assert passages(docs, ("ocr", "only"))[2] == ""   # 1003 has no OCR text: not matched
    assert enrichment_key({"c", "only"}) == "c:only" and enrichment_key({"c"}) == "c"
