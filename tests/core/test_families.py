"""Method families: their grids parse, stay modest, and tune what they say they tune."""
from core.config import Config
from core.families import families


def test_new_families_are_modest_and_parse():
    new = [f for f in families() if f.name.startswith(("Hybrid 4-gram + ", "Hybrid 4-gram BM25 +",
                                                       "Hybrid 4-gram BM25 with RM3"))
           and "(MaxP)" not in f.name]
    names = {f.name for f in new}
    assert "Hybrid 4-gram BM25 + dense on basic+OCR+speech + dense on all fields" in names
    assert "Hybrid 4-gram BM25 with RM3 feedback + dense on basic+OCR+speech" in names
    for f in new:
        assert len(f.candidates) <= 60
        for c in f.candidates:
            assert str(Config.parse(c)) == c


def test_maxp_families_tune_the_window_over_whole_passages_too():
    """The window is a parameter CV chooses, so each MaxP family contains the whole-passage
    family it extends (every candidate without a window) and 64/128-word windows."""
    from core.families import WINDOWS
    maxp = [f for f in families() if f.name.endswith("best window (MaxP)")]
    assert len(maxp) == 2
    for f in maxp:
        assert f.dense and Config.parse(f.default).dense[-1].window == 64
        seen = set()
        for c in f.candidates:
            cfg = Config.parse(c)
            assert str(cfg) == c
            ws = {c.window for c in cfg.dense}
            assert len(ws) == 1   # every dense component of a candidate shares the window
            seen |= ws
        assert seen == set(WINDOWS) and len(f.candidates) == 27 * len(WINDOWS)
    whole = {f.name: set(f.candidates) for f in families()}
    assert {c for c in maxp[1].candidates if "~w" not in c} == \
        whole["Hybrid 4-gram BM25 + MiniLM and mpnet on basic+OCR+speech"]


def test_the_fine_tuned_families_are_candidates_only_where_the_model_is_trained(tmp_path, monkeypatch):
    """``--config best`` can choose the MiniLM fine-tuned by ``pipeline.finetune`` once its
    weights and training record are in the models directory, and not before."""
    from core.dense import models
    from core.families import available_families

    def tuned_families():
        models._installed.cache_clear()
        return {f.name for f in available_families() if f.models == {"tuned"}}

    monkeypatch.setenv("TRL_MODELS", str(tmp_path))
    try:
        if not models.installed("minilm"):
            return   # no dense packages: no dense family at all (tested elsewhere)
        assert tuned_families() == set()
        trained = tmp_path / models.TUNED_NAME
        trained.mkdir()
        (trained / "model.safetensors").write_bytes(b"weights")
        (trained / models.TRAINING_FILE).write_text("{}")
        assert tuned_families() == {"Hybrid 4-gram BM25 + fine-tuned MiniLM",
                                    "Hybrid 4-gram BM25 + fine-tuned MiniLM on basic+OCR+speech"}
    finally:
        models._installed.cache_clear()
