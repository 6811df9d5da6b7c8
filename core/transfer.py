"""Tuning on one query set and scoring on another.

The study's 86 queries are too few to choose among hundreds of candidates without fitting
their style; the pseudo-queries of :mod:`core.pseudo_queries` are thousands, from another
source. Each query set comes with its own :class:`core.crossval.ScoreTable` (its engine is
the corpus it is scored against: a pseudo-query set's lacks the comments it came from), so
configurations move between sets as strings, and nothing else does.

* :func:`tune_and_score`: the tuner is built on the tuning table alone and called with its
  queries; the configuration it returns is then scored on both sets (the scoring set's
  figure is out-of-sample, the tuning set's is not).
* :func:`pseudo_confirmed_tuner` is the rule ``pipeline.evaluate --config best`` deploys on a
  corpus with pseudo-queries (:func:`pseudo_confirmed_best`, cached): every family's parameters are tuned on the pseudo-queries, and
  the family whose tuned configuration maximises ``weight`` × objective on the pseudo-queries
  + (1 − ``weight``) × objective on the real queries it is given is chosen. The real queries
  only pick among one configuration per family, so :func:`core.crossval.cross_validate`
  over the real queries with this tuner gives its honest figure on them ("tuned on pseudo,
  confirmed on real by CV").
* :func:`untrained`: a model fine-tuned on pseudo-queries (:mod:`core.finetune`) would be
  scored in-sample on the queries it was trained on, and win the vote for that reason alone
  (measured: 0.389 MRR on its training pseudo-queries, 0.366 on held-aside ones). So the rule
  tunes and votes on the pseudo-queries of videos no candidate model was trained on, for
  every family alike.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .crossval import ScoreTable, grid_tuner, objective_value


@dataclass
class Transfer:
    config: str
    tuning: pd.DataFrame    # per-query rows of ``config`` on the tuning set (in-sample)
    scoring: pd.DataFrame   # per-query rows on the scoring set (never seen by the tuner)


def tune_and_score(tuning: ScoreTable, scoring: ScoreTable, make_tuner) -> Transfer:
    """``make_tuner(tuning)`` chooses on the tuning queries; the choice is scored on both."""
    config = str(make_tuner(tuning)(tuning.queries))
    return Transfer(config, tuning.rows(config).reset_index(drop=True),
                    scoring.rows(config).reset_index(drop=True))


_SHARED: dict = {}   # the table forked workers read (inherited from the parent, never pickled)


def _family_best(name: str, cands: list[str], objective: str) -> tuple[str, str, pd.DataFrame]:
    """In a worker: one family's best candidate on all the shared table's queries, its rows."""
    table = _SHARED["table"]
    best = grid_tuner(table, cands, objective)(table.queries)
    return name, best, table.rows(best)


def family_bests(pseudo: ScoreTable, families: dict[str, list[str]], objective: str = "mrr",
                 workers: int = 1) -> dict[str, str]:
    """Each family's candidate best on all the pseudo-queries.

    With ``workers`` > 1 (and fork available) the families are tuned in that many forked
    processes, a family at a time each (its candidates share components; the largest
    families first, so the workers finish together), after
    :meth:`ScoreTable.warm` built the indexes and embeddings they all read; the chosen
    candidates' rows come back into ``pseudo``. Same choices as one process.
    """
    from .workers import start_method, worker_pool

    if workers <= 1 or len(families) < 2 or start_method() != "fork":   # workers read _SHARED
        return {name: grid_tuner(pseudo, cands, objective)(pseudo.queries)
                for name, cands in families.items()}

    pseudo.warm([c for cands in families.values() for c in cands])
    _SHARED["table"] = pseudo
    try:
        with worker_pool(min(workers, len(families))) as pool:
            largest_first = sorted(families, key=lambda n: -len(families[n]))   # even finish
            futures = {name: pool.submit(_family_best, name, list(families[name]), objective)
                       for name in largest_first}
            out = {}
            for name in families:   # in the families' order: ties go to the earlier family
                _, best, rows = futures[name].result()
                pseudo._rows[best] = rows
                out[name] = best
    finally:
        _SHARED.clear()
    return out


def untrained(queries: pd.DataFrame, families: list, minimum: int = 200) -> tuple[pd.DataFrame, list, str]:
    """(the tuning queries, the families, a note) the rule may use: the queries whose target
    no candidate family's model was fine-tuned on (``core.dense.models.trained_videos``).
    Families whose model does not record its videos, or whose videos would leave fewer than
    ``minimum`` queries, are left out instead. The note says what was dropped ("" if nothing)."""
    from .dense.models import trained_videos
    seen = {m: trained_videos(m) for f in families for m in f.models}
    unknown = {m for m, v in seen.items() if v is None}
    videos = set().union(*(v for v in seen.values() if v))
    left = queries[~queries["target_id"].astype(str).isin(videos)]
    if not videos and not unknown:
        return queries, families, ""
    if unknown or len(left) < minimum:
        trained = {m for m, v in seen.items() if v is None or v}
        kept = [f for f in families if not f.models & trained]
        why = "do not record their training videos" if unknown else f"leave only {len(left)} untrained queries"
        return queries, kept, (f"left out {len(families) - len(kept)} families whose fine-tuned models {why}")
    return left, families, (f"tuning on the {len(left)} of {len(queries)} queries whose videos no "
                            "fine-tuned model was trained on")


def blended(a: tuple, b: tuple, weight: float) -> tuple:
    """``weight`` × a + (1 − weight) × b, element by element (objective tuples)."""
    return tuple(weight * x + (1 - weight) * y for x, y in zip(a, b))


def pseudo_confirmed_tuner(pseudo: ScoreTable, real: ScoreTable, families: dict[str, list[str]],
                           objective: str = "mrr", weight: float = 0.5, chosen_families: list | None = None,
                           workers: int = 1):
    """A tuner over real queries following the rule in the module docstring. The per-family
    pseudo-tuned configurations are computed once, at the first call; the real queries a call
    is given are the only real rows it reads."""
    bests: dict[str, str] = {}

    def tune(train: pd.DataFrame) -> str:
        if not bests:
            bests.update(family_bests(pseudo, families, objective, workers))
        ids = train["query_id"].tolist()
        best, best_val = None, None
        for name, config in bests.items():
            val = objective_value(pseudo.rows(config), objective)
            if ids:   # without real queries (a corpus with none) the pseudo-queries decide
                val = blended(val, objective_value(real.rows(config, ids), objective), weight)
            if best_val is None or val > best_val:
                best, best_val = name, val
        if chosen_families is not None:
            chosen_families.append(best)
        return bests[best]

    return tune


def pseudo_confirmed_best(pseudo: ScoreTable, real: ScoreTable, families: dict[str, list[str]],
                          weight: float = 0.5, objective: str = "mrr", cache_path=None,
                          workers: int = 1) -> tuple[str, str]:
    """(configuration, family) the pseudo-confirmed rule deploys, given all the real queries;
    cached by a hash of the corpus, both query sets, the candidates and the weight, as
    :func:`core.families.best_config` is (:func:`core.families.cached_choice`). ``workers``:
    processes tuning the families (:func:`family_bests`)."""
    from .families import _digest, cached_choice
    both = pd.concat([pseudo.queries[["query_text", "target_id"]], real.queries[["query_text", "target_id"]]])
    key = _digest(pseudo.engine, both, [f"{n}\x01{c}" for n, cs in families.items() for c in cs]
                  + [f"pseudo-confirmed {weight} {objective} {len(pseudo.queries)}"])

    def choose() -> dict:
        picked: list[str] = []
        config = pseudo_confirmed_tuner(pseudo, real, families, objective, weight, picked,
                                        workers)(real.queries)
        return {"config": config, "family": picked[0], "weight": weight, "objective": objective,
                "pseudo_queries": len(pseudo.queries), "queries": len(real.queries)}

    saved = cached_choice(key, choose, cache_path)
    return saved["config"], saved["family"]
