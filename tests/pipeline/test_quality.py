"""Word error rate and OCR character accuracy, as the demo reports them."""
import pytest

from pipeline import quality as metrics


def test_quality_measures():
    assert metrics.char_accuracy("KYOTO AT 6AM\n@kyotowalks", "KYOTO AT 6AM @kyotowalks") == 1.0
    assert metrics.char_accuracy("ABCD", "ABXD") == 0.75
    assert metrics.char_accuracy("ABCD", "") == 0.0
    assert metrics.wer("the cat sat down", "the cat sat down") == 0.0
    assert metrics.wer("the cat sat down", "a cat sat") == 0.5
    assert metrics.wer("red blue", "red blue green pink gold") == 1.5   # can exceed 1


def test_edit_distance():
    assert metrics.edit_distance("kitten", "sitting") == 3
    assert metrics.edit_distance(["a", "b", "c"], ["a", "c", "d"]) == 2
    assert metrics.edit_distance("", "abc") == 3 and metrics.edit_distance("abc", "abc") == 0


def test_rates_are_edits_over_reference_length():
    # jiwer gives (S + D + I) / reference length on the normalised text, spaces counting as characters
    ref, hyp = "Hello there, General Kenobi!", "hello their general kenobe"
    r, h = metrics.normalise(ref), metrics.normalise(hyp)
    assert metrics.wer(ref, hyp) == pytest.approx(metrics.edit_distance(r.split(), h.split()) / 4) == 0.5
    assert metrics.char_accuracy(ref, hyp) == pytest.approx(1 - metrics.edit_distance(r, h) / len(r))


def test_empty_and_punctuation_only_references():
    # jiwer refuses an empty reference; ours scores it
    assert metrics.wer("", "") == 0.0 and metrics.wer("?!", "word") == 1.0
    assert metrics.char_accuracy("", "") == 1.0 and metrics.char_accuracy("...", "x") == 0.0
    assert metrics.wer("two words", None) == 1.0
    assert metrics.char_accuracy("abc", "totally different text") == 0.0   # clipped at 0
