"""Method families: the parameter grids tuning chooses from, and the tuned "best" config.

A family is a name, a default configuration (the untuned figure) and a list of candidate
configurations (default first, so ties keep it). :func:`core.crossval.cross_validate_grid`
tunes within a family on training folds; :func:`best_config` chooses a family by
cross-validation on a database's own queries and tunes it on all of them (what
``pipeline.evaluate --config best`` deploys), caching the choice in ``<db>.best.json``, keyed
by a hash of the corpus, the queries and the families' candidate lists.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import product
from pathlib import Path

from .config import STUDY_BEST


@dataclass(frozen=True)
class Family:
    name: str
    default: str
    candidates: tuple[str, ...]
    dense: bool = False

    def __post_init__(self):
        from .config import Config
        canon = tuple(dict.fromkeys(str(Config.parse(c)) for c in self.candidates))
        object.__setattr__(self, "candidates", canon)
        object.__setattr__(self, "default", str(Config.parse(self.default)))
        if self.candidates[0] != self.default:
            raise ValueError(f"family {self.name}: the default must be the first candidate")


def _bm25(k1s, bs):
    return [f"bm25(k1={k1:g},b={b:g})" for k1, b in product(k1s, bs)]


def _first(default: str, rest) -> tuple[str, ...]:
    return (default,) + tuple(c for c in dict.fromkeys(rest) if c != default)


# what ``pipeline.evaluate --config best`` chooses on the 2022 study's 86 queries (nested
# selection, bench/out/quality.md): MiniLM and mpnet on basic+OCR+speech, each scoring a
# document by its best 64-word window; the dashboard offers it as a preset
TUNED_ON_STUDY = ("4gram+dense~mpnet~ocr~sr~w64+dense~ocr~sr~w64.sr+ocr+c.noattr.bm25(b=0.7,k1=0.5)"
                  ".zsum(dense=0.5)")
BM25_DEFAULT = "bm25(k1=0.9,b=0.4)"
BM25_GRID = _bm25((0.5, 0.9, 1.2, 1.6, 2.0), (0.1, 0.3, 0.4, 0.5, 0.75, 0.9))
BM25_SMALL = _bm25((0.5, 0.9, 1.5), (0.3, 0.4, 0.7))
BM25F_GRID = [f"bm25f(k1={k1:g},b={b:g},desc={d:g},ocr={o:g},c={c:g})"
              for k1, b, d, o, c in product((0.5, 0.9, 1.5), (0.3, 0.7), (1, 2), (1, 2), (0.25, 0.5, 1))]


def _dense_hybrid(label: str, tokens: str) -> Family:
    """A lexical component fused (``zsum``) with dense ones sharing one weight, over BM25_SMALL."""
    d = f"{tokens}.all.noattr.{BM25_DEFAULT}.zsum"
    return Family(label, d, _first(d, [f"{tokens}.all.noattr.{w}.zsum(dense={wd:g})".replace("(dense=1)", "")
                                       for w in BM25_SMALL for wd in (0.5, 0.75, 1.0)]), dense=True)


def families() -> list[Family]:
    out = [Family("2022 study best (4-gram bpx)", str(STUDY_BEST), (str(STUDY_BEST),))]
    for tok, label in (("4gram", "BM25 4-gram"), ("word", "BM25 words")):
        d = f"{tok}.all.noattr.{BM25_DEFAULT}"
        out.append(Family(label, d, _first(d, [f"{tok}.all.noattr.{w}" for w in BM25_GRID])))
    d = "4gram.all.noattr.bm25f(b=0.4,k1=0.9)"
    out.append(Family("BM25F 4-gram (field weights)", d, _first(d, [f"4gram.all.noattr.{w}" for w in BM25F_GRID])))
    d = f"word.all.noattr.{BM25_DEFAULT}"
    out.append(Family("BM25 words + query options (fuzzy, split)", d,
                      _first(d, [f"word{o}.all.noattr.{BM25_DEFAULT}" for o in ("~fuzzy", "~split", "~fuzzy~split")])))
    d = f"word+4gram.all.noattr.{BM25_DEFAULT}.rrf(k=60)"
    fus = ("rrf(k=20)", "rrf(k=60)", "zsum", "zsum(word=0.5)", "mnz")
    out.append(Family("Fusion words+4-gram BM25", d,
                      _first(d, [f"word+4gram.all.noattr.{w}.{f}" for w in BM25_SMALL for f in fus])))
    out.append(Family("Dense all-MiniLM-L6-v2", "dense.all.noattr.cos", ("dense.all.noattr.cos",), dense=True))
    d = f"word+4gram+dense.all.noattr.{BM25_DEFAULT}.zsum"
    hyb = [f"zsum(dense={wd:g},word={ww:g})" if ww != 1 else f"zsum(dense={wd:g})"
           for wd, ww in product((0.5, 0.75, 1.0), (0.5, 1.0))] + ["rrf(k=60)"]
    out.append(Family("Hybrid words+4-gram BM25 + dense", d,
                      _first(d, [f"word+4gram+dense.all.noattr.{w}.{f}" for w in BM25_SMALL for f in hyb]),
                      dense=True))
    out.append(_dense_hybrid("Hybrid 4-gram BM25 + dense", "4gram+dense"))
    out.append(_dense_hybrid("Hybrid 4-gram BM25 + dense on basic+OCR+speech", "4gram+dense~ocr~sr"))
    d = f"word+4gram+dense.all.noattr.{BM25_DEFAULT}.zall"
    z3 = [f"word+4gram+dense.all.noattr.{w}.zall(dense={wd:g},word={ww:g})"
          for w in _bm25((0.5, 0.9), (0.5, 0.7)) for ww in (0.5, 0.75, 1.0) for wd in (0.75, 1.0, 1.5)]
    out.append(Family("Hybrid words+4-gram BM25 + dense (z over all docs)", d, _first(d, z3), dense=True))
    out += _families_2026()
    out += _families_mpnet()
    out += _families_lmdir()
    out += _families_windows()
    return out


def _families_2026() -> list[Family]:
    """Three-way hybrids, two dense passages, head-of-ranking z, RM3 feedback (designed after
    the families above had been measured on the study's queries; parameters still CV'd)."""
    out = []
    grid = _bm25((0.5, 0.9, 1.5), (0.3, 0.4, 0.7))
    for n in ("word", "5gram"):
        d = f"4gram+{n}+dense~ocr~sr.all.noattr.{BM25_DEFAULT}.zsum({n}=0.5)"
        out.append(Family(f"Hybrid 4-gram + {'word' if n == 'word' else '5-gram'} BM25 + dense on basic+OCR+speech", d,
                          _first(d, [f"4gram+{n}+dense~ocr~sr.all.noattr.{w}.zsum(dense={wd:g},{n}={wn:g})"
                                     .replace("dense=1,", "") for w in grid for wd in (0.75, 1.0)
                                     for wn in (0.25, 0.5)]), dense=True))
    for other, label in (("dense", "dense on all fields"), ("dense~c~only", "dense on comments alone")):
        d = f"4gram+{other}+dense~ocr~sr.all.noattr.{BM25_DEFAULT}.zsum({other}=0.5)"
        out.append(Family(f"Hybrid 4-gram BM25 + dense on basic+OCR+speech + {label}", d,
                          _first(d, [f"4gram+{other}+dense~ocr~sr.all.noattr.{w}.zsum({other}={wa:g},dense~ocr~sr={wo:g})"
                                     .replace(",dense~ocr~sr=1)", ")") for w in grid for wa in (0.25, 0.5)
                                     for wo in (0.5, 0.75, 1.0)]), dense=True))
    d = f"4gram+dense~ocr~sr.all.noattr.{BM25_DEFAULT}.ztop(k=50)"
    out.append(Family("Hybrid 4-gram BM25 + dense on basic+OCR+speech (z over top k)", d,
                      _first(d, [f"4gram+dense~ocr~sr.all.noattr.{w}.ztop(k={k},dense={wd:g})".replace(",dense=1)", ")")
                                 for w in grid for k in (20, 100) for wd in (0.5, 0.75, 1.0)]), dense=True))
    out.append(_dense_hybrid("Hybrid 4-gram BM25 with RM3 feedback + dense on basic+OCR+speech",
                             "4gram~rm3+dense~ocr~sr"))
    return out


def _families_mpnet() -> list[Family]:
    """The two best structures above with all-mpnet-base-v2 (``dense~mpnet``) in place of
    all-MiniLM-L6-v2, and both models side by side (designed after every row above had been
    measured, and after one scratch measurement of the first; parameters still CV'd)."""
    grid = _bm25((0.5, 0.9, 1.5), (0.3, 0.4, 0.7))
    mp, mpc = "dense~mpnet~ocr~sr", "dense~c~mpnet~only"
    out = []
    out.append(_dense_hybrid("Hybrid 4-gram BM25 + mpnet on basic+OCR+speech", f"4gram+{mp}"))
    d = f"4gram+{mpc}+{mp}.all.noattr.{BM25_DEFAULT}.zsum({mpc}=0.5)"
    out.append(Family("Hybrid 4-gram BM25 + mpnet on basic+OCR+speech + mpnet on comments alone", d,
                      _first(d, [f"4gram+{mpc}+{mp}.all.noattr.{w}.zsum({mpc}={wa:g},{mp}={wo:g})"
                                 .replace(f",{mp}=1)", ")") for w in grid for wa in (0.25, 0.5)
                                 for wo in (0.5, 0.75, 1.0)]), dense=True))
    out.append(_dense_hybrid("Hybrid 4-gram BM25 + MiniLM and mpnet on basic+OCR+speech",
                             f"4gram+{mp}+dense~ocr~sr"))
    return out


LMDIR_MU = (50, 100, 250, 500, 1000, 2000, 4000)


def _families_lmdir() -> list[Family]:
    """Query likelihood with Dirichlet smoothing, a standard lexical model the families above
    lacked: alone on 4-grams and words, and in place of BM25 in the best MiniLM structure
    (declared before any of them was measured; mu still CV'd)."""
    out = []
    for tok, label in (("4gram", "LM Dirichlet 4-gram"), ("word", "LM Dirichlet words")):
        d = f"{tok}.all.noattr.lmdir(mu=1000)"
        out.append(Family(label, d, _first(d, [f"{tok}.all.noattr.lmdir(mu={m})" for m in LMDIR_MU])))
    comps = "4gram+dense~c~only+dense~ocr~sr"
    d = f"{comps}.all.noattr.lmdir(mu=1000).zsum(dense~c~only=0.5)"
    out.append(Family("Hybrid 4-gram LM Dirichlet + dense on basic+OCR+speech + dense on comments alone", d,
                      _first(d, [f"{comps}.all.noattr.lmdir(mu={m}).zsum(dense~c~only={wa:g},dense~ocr~sr={wo:g})"
                                 .replace(",dense~ocr~sr=1)", ")") for m in (250, 1000, 4000)
                                 for wa in (0.25, 0.5) for wo in (0.5, 0.75, 1.0)]), dense=True))
    return out


WINDOWS = (None, 128, 64)   # dense passage windows the MaxP families tune over (None: whole)


def _windowed(token: str, window) -> str:
    return token if window is None else f"{token}~w{window}"


def _families_windows() -> list[Family]:
    """MaxP: the basic+OCR+speech passage cut into windows, a document scored by its best
    window (``dense~ocr~sr~w64``), with the window size tuned by CV like any parameter
    (whole passage, 128 or 64 words), for MiniLM and for MiniLM and mpnet side by side
    (designed after every row above had been measured, and after a scratch measurement of
    fixed windows; the window is still CV'd here)."""
    out = []
    for dense, label in ((["dense~ocr~sr"], "MiniLM"),
                         (["dense~mpnet~ocr~sr", "dense~ocr~sr"], "MiniLM and mpnet")):
        def tokens(w):
            return "+".join(["4gram"] + [_windowed(t, w) for t in dense])
        d = f"{tokens(64)}.all.noattr.{BM25_DEFAULT}.zsum"
        out.append(Family(f"Hybrid 4-gram BM25 + {label} on basic+OCR+speech, best window (MaxP)", d,
                          _first(d, [f"{tokens(win)}.all.noattr.{w}.zsum(dense={wd:g})".replace("(dense=1)", "")
                                     for win in WINDOWS for w in BM25_SMALL for wd in (0.5, 0.75, 1.0)]),
                          dense=True))
    return out


def family_models(family: Family) -> set[str]:
    """The embedding models a family's candidates use (``minilm``, ``mpnet``)."""
    from .config import Config
    from .dense import models_in
    return set().union(*(models_in(Config.parse(c)) for c in family.candidates))


def available_families(dense: bool | None = None) -> list[Family]:
    """Families usable here (dense ones only when their models' packages are installed;
    ``dense=False`` leaves every dense family out)."""
    from .dense import installed
    ok = {m: dense is not False and installed(m) for m in ("minilm", "mpnet")}
    return [f for f in families() if not f.dense or all(ok[m] for m in family_models(f))]


def _digest(engine, queries, candidates) -> str:
    h = hashlib.sha256()
    for d in engine.corpus.ids:
        h.update(d.encode() + b",")
    for col in ("query_text", "target_id"):
        h.update("\x00".join(map(str, queries[col])).encode())
    h.update("\x00".join(candidates).encode())
    h.update(engine.mode.encode())
    # the corpus text itself: catches an edited document with the same ids
    import pandas as pd
    h.update(pd.util.hash_pandas_object(engine.corpus.docs.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()


def best_config(engine, queries, cache_path=None, families_=None, objective: str = "mrr") -> str:
    """The configuration to deploy: the family whose grid search does best under k-fold
    cross-validation on ``queries``, tuned on all of them (:func:`core.crossval.family_tuner`);
    cached as JSON."""
    from .crossval import ScoreTable, family_tuner

    fams = families_ or available_families()
    grids = {f.name: list(f.candidates) for f in fams}
    digest = _digest(engine, queries, [f"{n}\x01{c}" for n, cs in grids.items() for c in cs])
    path = Path(cache_path) if cache_path else (Path(f"{engine.corpus.path}.best.json")
                                                if engine.corpus.path else None)
    if path and path.exists():
        try:
            saved = json.loads(path.read_text())
            if saved.get("key") == digest:
                return saved["config"]
        except (OSError, ValueError):
            pass
    family: list[str] = []
    best = family_tuner(ScoreTable(engine, queries), grids, objective, chosen_families=family)(queries)
    if path:
        path.write_text(json.dumps({"config": best, "family": family[0], "key": digest,
                                    "objective": objective, "families": len(grids),
                                    "candidates": sum(map(len, grids.values())), "queries": len(queries)},
                                   indent=1))
    return best
