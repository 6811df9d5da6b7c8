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


# --- the command: a corpus measured against a ground truth -------------------------------

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import sqlite_utils  # noqa: E402

from core.store import create_corpus_schema  # noqa: E402

TRUTH = {
    "1": {"script": "the cat sat down", "cover_text": "CAT", "screen_text": "CAT\nFACTS\nCAT",
          "broken": None},
    "2": {"script": "red blue", "cover_text": "ABCD", "screen_text": "", "broken": None},
    "3": {"script": "never read", "cover_text": "X", "screen_text": "X", "broken": "corrupt video"},
    "4": {"script": "unusable item", "cover_text": "Y", "screen_text": "Y", "broken": None},
}
HOSTILE = "red \x1b[2Jblue green pink gold"


@pytest.fixture
def corpus(tmp_path):
    db = sqlite_utils.Database(tmp_path / "tiktoks.db")
    create_corpus_schema(db)
    db["tiktoks"].insert_all([
        {"id": "1", "usable": 1, "speech_to_text": "the cat sat down", "coverphoto_ocr": "CAT",
         "onscreen_text": "CAT\nFACTS"},
        {"id": "2", "usable": 1, "speech_to_text": HOSTILE,
         "coverphoto_ocr": "ABXD", "onscreen_text": None},
        {"id": "3", "usable": 1, "speech_to_text": "", "coverphoto_ocr": "", "onscreen_text": ""},
        {"id": "4", "usable": 0, "speech_to_text": "", "coverphoto_ocr": "", "onscreen_text": ""},
        {"id": "5", "usable": 1, "speech_to_text": "no truth", "coverphoto_ocr": "", "onscreen_text": ""},
    ])
    db.close()
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps(TRUTH))
    return tmp_path / "tiktoks.db", truth


def test_measure_means_over_usable_unbroken_items_with_a_truth(corpus):
    db, truth = corpus
    got = metrics.measure(db, truth)
    assert got["n"] == 2                                       # 3 broken, 4 unusable, 5 no truth
    assert got["wer"] == pytest.approx((0.0 + metrics.wer("red blue", HOSTILE)) / 2)
    assert got["wer"] > 0.75
    assert got["ocr_char_accuracy"] == pytest.approx((1.0 + 0.75) / 2)
    # a caption shown twice counts once; "" read as ""
    assert got["screen_char_accuracy"] == pytest.approx((1.0 + 1.0) / 2)


def _run(*args):
    return subprocess.run([sys.executable, "-m", "pipeline.quality", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_command_prints_figures_and_the_worst_items_harmlessly(corpus):
    db, truth = corpus
    out = _run("--db", db, "--truth", truth, "--worst", "1")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("2 usable items")
    wer_2 = metrics.wer("red blue", HOSTILE)
    wer_at = lines.index(f"speech word error rate: {wer_2 / 2:.1%}")
    assert lines[wer_at + 1].split() == ["2", f"{wer_2:.0%}"]     # the worst item first
    assert "\x1b" not in out.stdout and "\ufffd[2Jblue" in out.stdout
    as_json = json.loads(_run("--db", db, "--truth", truth, "--json").stdout)
    assert as_json == pytest.approx(metrics.measure(db, truth))


def test_command_refuses_what_it_cannot_measure(corpus, tmp_path):
    db, truth = corpus
    missing = _run("--db", db, "--truth", tmp_path / "nope.json")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    (tmp_path / "bad.json").write_text("[1, 2]")
    bad = _run("--db", db, "--truth", tmp_path / "bad.json")
    assert bad.returncode == 2 and "expected an object of ids" in bad.stderr
    results = tmp_path / "results.db"
    sqlite_utils.Database(results)["experiments"].insert({"x": 1})
    wrong = _run("--db", results, "--truth", truth)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr and "results.db" in wrong.stderr
    nodb = _run("--db", tmp_path / "none.db", "--truth", truth)
    assert nodb.returncode == 2 and "no such corpus" in nodb.stderr
