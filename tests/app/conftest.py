"""AppTest helpers: the whole app (app.py + navigation) on the tiny corpus and results."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def texts(at) -> str:
    """All markdown, captions, infos, warnings and errors of a run, joined."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "subheader", "code",
                                  "title") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture
def app(tiny_db, tiny_results, monkeypatch):
    """A factory: ``app(page)`` runs app.py, switches to ``pages/<page>.py`` and runs it."""
    monkeypatch.setenv("TRL_DB", str(tiny_db))
    monkeypatch.setenv("TRL_RESULTS", str(tiny_results))
    monkeypatch.setenv("TRL_OFFLINE", "1")
    monkeypatch.chdir(ROOT)

    def run(page: str | None = None, **query_params) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params.update(query_params)
        at.run()
        if page:
            at.switch_page(f"pages/{page}.py").run()
        no_exception(at)
        return at

    return run
