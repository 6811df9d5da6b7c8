"""Word BM25 one query at a time: our Engine.search and Engine.top against bm25s (numpy backend).

    .venv/bin/python bench/bm25s_compare.py [--db /tmp/scale/tiktoks.db] [--runs 3]

Both rank the same tokens: bm25s indexes each document's word tokens as our word index
counts them (basic fields + speech + OCR + comments, no attribution) and gets each query as
our tokeniser's terms, so only the scoring and top-k differ. BM25 k1 0.9, b 0.4, Lucene's
idf in both (bm25s leaves out the constant factor k1 + 1, which changes no ranking). Each
query is answered alone, ``--runs`` times after a warm-up pass; queries/s is the number of
queries over the sum of their median times, and the ratio is our time / bm25s time (< 1: we
are faster). Ours is timed twice: ``Engine.search`` (a DataFrame of rank, doc, id, score)
and ``Engine.top`` (two arrays, document numbers and scores, as bm25s returns); bm25s's time
includes turning the query into our terms (normalising, tokenising, the column look-up), as
both of ours do. Rankings are compared for each query: identical, or different only in the
order of documents whose scores tie (bm25s keeps float32 scores and breaks ties its own
way). Prints figures; asserts nothing; the machine may be shared, so run it twice.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from core.config import Config  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.store import load_queries  # noqa: E402

K1, B = 0.9, 0.4
CONFIG = f"word.sr+ocr+c.noattr.bm25(k1={K1},b={B})"
KS = (10, 1000)


def bm25s_index(index):
    """A bm25s retriever (numpy backend) over the index's tokens (column numbers), and the
    seconds its indexing took."""
    import bm25s
    from bm25s.tokenization import Tokenized

    c = index.counts
    reps = c.data.astype(np.int64)
    tokens = np.repeat(c.indices, reps)
    bounds = np.concatenate([[0], np.cumsum(reps)])[c.indptr]   # where each document's tokens start
    ids = [tokens[bounds[i]:bounds[i + 1]].tolist() for i in range(c.shape[0])]
    retriever = bm25s.BM25(k1=K1, b=B, method="lucene", backend="numpy")
    t = time.perf_counter()
    retriever.index(Tokenized(ids=ids, vocab={str(j): j for j in range(c.shape[1])}), show_progress=False)
    return retriever, time.perf_counter() - t


def query_terms(engine, index, text: str) -> list[int]:
    """The query's distinct terms as the index's column numbers (our tokeniser, as ours uses)."""
    return index.query_columns(engine.source.query_terms(index.tokens, text)).tolist()


def timed(fns, queries, runs: int) -> tuple[list[np.ndarray], list[list]]:
    """Per function: median seconds per query over ``runs`` passes (after one warm-up), the
    functions taking turns on each query so that a busy machine slows them alike; and the
    answers."""
    answers = [[fn(q) for q in queries] for fn in fns]
    times = np.empty((len(fns), runs, len(queries)))
    for r in range(runs):
        for i, q in enumerate(queries):
            for j, fn in enumerate(fns):
                t = time.perf_counter()
                fn(q)
                times[j, r, i] = time.perf_counter() - t
    return [np.median(t, axis=0) for t in times], answers


def same_ranking(ours, theirs, scale: float) -> str:
    """'identical', 'ties' (the same scores in the same order, documents differing only
    among equal scores) or 'different'. ``scale`` is k1 + 1, the factor bm25s leaves out."""
    docs, scores = ours
    tdocs, tscores = theirs[0][:len(docs)], theirs[1][:len(docs)]
    if np.array_equal(docs, tdocs):
        return "identical"
    s = scores / scale
    if len(tdocs) == len(docs) and np.allclose(s, tscores, rtol=1e-5):
        head = ~np.isclose(s, s[-1], rtol=1e-5)     # above the last (cut) score
        theirs_score = dict(zip(tdocs.tolist(), tscores.tolist()))
        if set(docs[head]) == set(tdocs[head]) and all(
                np.isclose(v, theirs_score.get(d, np.nan), rtol=1e-5) for d, v in zip(docs[head].tolist(), s[head])):
            return "ties"
    return "different"


def compare(engine: Engine, texts: list[str], ks=KS, runs: int = 3, comments: bool = True) -> dict:
    """Queries/s of ours and bm25s at each k, their ratio, ranking agreement, build seconds
    (``comments=False``: basic+sr+ocr instead of all fields)."""
    cfg = Config.parse(CONFIG if comments else CONFIG.replace(".sr+ocr+c.", ".sr+ocr."))
    index = engine.index("word", cfg.enrichment, cfg.attribution)
    retriever, bm25s_build = bm25s_index(index)
    texts = [t for t in texts if query_terms(engine, index, t)]   # bm25s needs one known term
    out = {"queries": len(texts), "build_seconds": index.build_seconds, "bm25s_build_seconds": bm25s_build}
    for k in ks:
        k = min(k, engine.n_docs)

        def ours(text, k=k, cfg=cfg):
            return engine.search(cfg, text, k)

        def ours_arrays(text, k=k, cfg=cfg):
            return engine.top(cfg, text, k)

        def theirs(text, k=k):
            d, s = retriever.retrieve([query_terms(engine, index, text)], k=k, show_progress=False,
                                      n_threads=0, backend_selection="numpy")
            return d[0], s[0]

        (t_ours, t_arrays, t_theirs), (a_ours, a_arrays, a_theirs) = timed((ours, ours_arrays, theirs), texts, runs)
        a_ours = [(r["doc"].to_numpy(), r["score"].to_numpy()) for r in a_ours]
        verdicts = [same_ranking(a, b, K1 + 1) for a, b in zip(a_ours, a_theirs)]
        same = all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(a_ours, a_arrays))
        out[k] = {"ours_qps": len(texts) / t_ours.sum(), "bm25s_qps": len(texts) / t_theirs.sum(),
                  "ratio": t_ours.sum() / t_theirs.sum(), "p50_ms": 1000 * np.median(t_ours),
                  "p95_ms": 1000 * np.percentile(t_ours, 95),
                  "arrays_qps": len(texts) / t_arrays.sum(), "arrays_ratio": t_arrays.sum() / t_theirs.sum(),
                  "arrays_same": same,
                  **{v: verdicts.count(v) for v in ("identical", "ties", "different")}}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default="/tmp/scale/tiktoks.db", help="corpus database (the 2022 study imported)")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    engine = Engine.from_db(args.db)
    texts = load_queries(args.db)["query_text"].tolist()
    r = compare(engine, texts, runs=args.runs)
    print(f"{engine.n_docs:,} documents, {r['queries']} queries, `{CONFIG}`; index build "
          f"{r['build_seconds']:.2f} s (ours, with tokenising) vs bm25s {r['bm25s_build_seconds']:.2f} s "
          "(from our tokens)")
    print("| k | ours q/s | ours arrays q/s | bm25s q/s | ratio ours/bm25s | ratio arrays/bm25s | ours p50 ms "
          "| ours p95 ms | identical | ties only | different |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for k in KS:
        f = r[min(k, engine.n_docs)]
        print(f"| {k} | {f['ours_qps']:,.0f} | {f['arrays_qps']:,.0f} | {f['bm25s_qps']:,.0f} | {f['ratio']:.2f} | "
              f"{f['arrays_ratio']:.2f} | {f['p50_ms']:.2f} | {f['p95_ms']:.2f} | {f['identical']} | {f['ties']} | "
              f"{f['different']} |")
        if not f["arrays_same"]:
            print(f"k = {k}: Engine.top and Engine.search disagree on some query (a bug)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
