"""Word error rate and OCR character accuracy, as the demo reports them."""
from pipeline import quality as metrics


def test_quality_measures():
    assert metrics.char_accuracy("KYOTO AT 6AM\n@kyotowalks", "KYOTO AT 6AM @kyotowalks") == 1.0
    assert metrics.char_accuracy("ABCD", "ABXD") == 0.75
    assert metrics.char_accuracy("ABCD", "") == 0.0
    assert metrics.wer("the cat sat down", "the cat sat down") == 0.0
    assert metrics.wer("the cat sat down", "a cat sat") == 0.5
    assert metrics.wer("one two", "one two three four five") == 1.5
