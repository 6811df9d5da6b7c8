"""ui/pseudo_tuning: families tuned on the comments' pseudo-queries, in the Experiments page's
"Methods, cross-validated" tab, against the core computing the same."""
from __future__ import annotations

import numpy as np
import pytest

from core.crossval import ScoreTable
from core.engine import Engine
from core.evaluation import summarise
from core.families import available_families
from core.store import load_queries
from tests.app.conftest import no_exception, texts
from tests.app.test_ui_evaluation import NUMBERS, frame
from tests.conftest import HARD


# comments that describe their video, as viewers write them: the pseudo-queries' source
DESCRIBING = {"1001": ["garlic butter pasta ready in ten minutes", "that creamy pasta looked so good"],
              "1003": ["the cat pushed the glass right off the table", "cat knocking over a glass again"],
              "1005": ["speedrun stairs glitch skipping the whole level", "mario jumping backwards up stairs"],
              "1006": ["dnd party arguing about opening the door", "players stuck at the dungeon door"],
              "1007": ["potato fried in goose fat crispy", "roast potatoes with goose fat recipe"],
              "1009": ["corgi running zoomies on the beach sand", "little corgi sprinting along the beach"],
              "1010": ["plank challenge day twelve core workout", "holding a plank for the whole challenge"]}


@pytest.fixture
def described_db(tmp_path):
    from tests.conftest import tiny_rows
    from core.store import write_corpus
    tiktoks, comments, _ = tiny_rows()
    comments += [{"video_id": v, "position": 10 + i, "comment_text": t, "commenter_name": f"@w{i}"}
                 for v, texts_ in DESCRIBING.items() for i, t in enumerate(texts_)]
    queries = [{"query_id": i, "query_text": q, "target_id": d, "author": "ann", "useful_description": 1,
                "comments_on_topic": 0, "purely_visual": 0, "important_lyrics": 0, "subtextual": 0,
                "collection": "hard"} for i, (q, d) in enumerate(HARD, start=1)]
    path = tmp_path / "described.db"
    write_corpus(path, tiktoks, comments, queries, meta={"normalisation": "default"})
    return path


def test_families_tuned_on_pseudo_queries_are_scored_on_the_real_ones(app, described_db, tmp_path,
                                                                       monkeypatch):
    """The toggle adds, per family, the configuration tuned on the comments' pseudo-queries
    (each scored without its own comment) and scored on the page's queries, which equals the
    core's choice on the same pseudo-query table; no real query reaches that tuner."""
    import core.pseudo_queries as pq
    from core.crossval import grid_tuner
    from core.store import load_corpus

    monkeypatch.setattr(pq, "MIN_QUERIES", 5)         # the fixture has a handful, not thousands
    monkeypatch.setenv("TRL_DB", str(described_db))
    monkeypatch.setenv("TRL_RESULTS", str(tmp_path / "missing.db"))
    at = app("experiments", cv_fam=["BM25 words", "BM25 4-gram"], cv_pseudo="true")
    no_exception(at)
    shown = frame(at, "cv_summary").set_index(["method", "figure"])
    assert "pseudo-queries" in texts(at)
    _, kept, _ = pq.from_corpus(described_db)
    assert len(kept) >= 5 and not set(kept["comment_text"]) & {q for q, _ in HARD}
    own = set(zip(kept["video_id"].astype(str), kept["position"].astype(int)))
    pseudo = ScoreTable(Engine(load_corpus(described_db, exclude_comments=own)), pq.as_frame(kept))
    real = ScoreTable(Engine.from_db(described_db), load_queries(described_db))
    fams = {f.name: f for f in available_families(False)}
    for name in ("BM25 words", "BM25 4-gram"):
        best = grid_tuner(pseudo, fams[name].candidates, "mrr")(pseudo.queries)
        row = shown.loc[(name + " · tuned on pseudo-queries", "tuned on pseudo-queries")]
        expected = summarise(real.rows(best).reset_index(drop=True))
        np.testing.assert_allclose(row[NUMBERS].to_numpy(float),
                                   [expected[c] for c in NUMBERS], rtol=1e-12, atol=1e-12)
        chosen = frame(at, "cv_chosen").set_index("method").loc[name + " · tuned on pseudo-queries"]
        assert set(chosen) == {best}
    # a pseudo-query's own comment is not in the text it is scored against
    text = " ".join(pseudo.engine.corpus.docs["comment_text"])
    assert not any(c in text for c in kept["comment_text"])
