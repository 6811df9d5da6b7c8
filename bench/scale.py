"""How every cost grows with the corpus: synthetic corpora of 1k, 10k, 100k (and 1M) TikToks.

    .venv/bin/python bench/scale.py [--max-docs 100000] [--million] [--dir /tmp/scale] [--json out.jsonl]
    .venv/bin/python bench/scale.py --report out.jsonl [--plot docs/scale.png]

For each size N (``pipeline.demo.scale``, seed 0, 200 known-item queries), one process:

* generation seconds (the synthetic "import": text generated and bulk-inserted into SQLite)
  and the corpus load (``core.store.load_corpus``: documents with their comments joined);
* index build seconds (wall and CPU: the machine is shared, CPU is what the build cost) and
  peak resident memory of the process during the build (``VmHWM`` after resetting it with
  ``/proc/self/clear_refs``), for word and 4-gram indexes of basic+sr+ocr and of
  basic+sr+ocr+comments, each built by a fresh engine so it pays its own tokenisation;
* query latency p50/p95 (ms) of ``Engine.search`` at k = 10, each synthetic query alone with
  indexes warm, for word BM25, 4-gram BM25, the study's best (4-gram bpx) and words + 4-grams
  fused by rrf, all on basic+sr+ocr+comments; their Success@1 and MRR on the synthetic queries;
* word BM25 against bm25s (bench/bm25s_compare.py: same tokens, numpy backend, one query at
  a time, k = 10 and 1000): queries/s and the ratio of our time to bm25s's, for
  ``Engine.search`` (a DataFrame) and ``Engine.top`` (arrays, as bm25s returns);
* ``--dense``: document embedding throughput per model (``--dense-docs`` passages of
  basic+sr+ocr, ONNX Runtime on every core; ``--mpnet`` adds mpnet); exact dense search over N
  unit vectors (the embedded sample tiled to N rows, float32, as ``core.dense`` stores them):
  per query its encoding, the product and the top 10 by ``argpartition``, p50/p95 ms (the
  tiled copies get a little noise, so that scores do not tie); and
  ``Engine.search`` p50/p95 for MiniLM dense and the Tuned hybrid: with Success@1/MRR when the
  whole corpus is within ``--dense-docs`` (embeddings in DIR/embeddings.sqlite, not the user's
  cache), else with the tiled sample put in place of the corpus's embeddings (the cost of a
  search, not its quality).
  ``--dense-only`` skips the lexical measures (a million documents' dense search cost without
  their 4-gram index).

Corpora are generated once into DIR/N and reused (``--regenerate`` to time generation again;
a reused corpus shows the generation time recorded when it was made). Prints a markdown
table per measure; ``--json`` appends one JSON object per N. Asserts nothing.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from core.config import Config  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.store import load_corpus, load_queries  # noqa: E402
from pipeline.demo import scale as synthetic  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
MILLION = 1_000_000
BM25 = "bm25(k1=0.9,b=0.4)"
BUILDS = [("word", "sr+ocr"), ("4gram", "sr+ocr"), ("word", "sr+ocr+c"), ("4gram", "sr+ocr+c")]
QUERY_CONFIGS = {"word BM25": f"word.sr+ocr+c.noattr.{BM25}", "4-gram BM25": f"4gram.sr+ocr+c.noattr.{BM25}",
                 "study's best (4-gram bpx)": "4gram.sr+ocr+c.noattr.bpx",
                 "word+4-gram BM25 rrf": f"word+4gram.sr+ocr+c.noattr.{BM25}.rrf(k=60)"}


def rss_gb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024 ** 2
    return float("nan")


def reset_peak() -> None:
    """Start VmHWM again from the current resident size (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def corpus_for(n: int, root: Path, regenerate: bool) -> tuple[Path, float]:
    out = root / str(n)
    record = out / "generated.json"
    if regenerate or not record.exists() or json.loads(record.read_text())["docs"] != n:
        r = synthetic.generate(out, n)
        record.write_text(json.dumps(r))
    return out / "tiktoks.db", json.loads(record.read_text())["seconds"]


def build(corpus, tokens: str, fields: str, engine: Engine | None = None) -> dict:
    """Build one index with a fresh tokenisation; wall and CPU seconds, peak and added memory."""
    engine = engine or Engine(corpus)
    engine.source._text.clear()   # each build normalises its fields again, as a fresh engine would
    gc.collect()
    before = rss_gb()
    reset_peak()
    t, c = time.perf_counter(), time.process_time()
    index = engine.index(tokens, Config.parse(f"{tokens}.{fields}.noattr.bxx").enrichment, False)
    return {"seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c,
            "peak_gb": rss_gb("VmHWM"), "added_gb": rss_gb("VmHWM") - before,
            "terms": index.vocab_size, "postings": int(index.counts.nnz), "index_gb": index.nbytes / 1024 ** 3}


def latency(engine: Engine, cfg: Config, texts: list[str], k: int = 10) -> tuple[float, float]:
    engine.search(cfg, texts[0], k)   # warm: weights, caches
    times = []
    for q in texts:
        t = time.perf_counter()
        engine.search(cfg, q, k)
        times.append(1000 * (time.perf_counter() - t))
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def quality(engine: Engine, cfg: Config, queries) -> tuple[float, float]:
    """Success@1 and MRR (expected rank among ties; unranked targets count 0), 50 queries at
    a time so the score matrix stays small."""
    ranks = np.concatenate([engine.rank_queries(cfg, queries.iloc[i:i + 50])["target_rank"].to_numpy()
                            for i in range(0, len(queries), 50)])
    rr = np.where(np.isnan(ranks), 0.0, 1.0 / np.where(np.isnan(ranks), 1.0, ranks))
    return float(np.mean(ranks == 1)), float(rr.mean())


def dense(corpus, queries, n: int, sample: int, models: tuple[str, ...], comments: bool) -> dict:
    """Embedding throughput per model, exact search cost over n vectors, and (small corpora)
    the engine's dense and hybrid configurations."""
    from core.dense.onnx import encode, encode_documents
    from core.dense.passages import passages
    from core.families import TUNED_ON_STUDY

    fields = "sr+ocr+c" if comments else "sr+ocr"
    texts = passages(corpus.docs.iloc[:sample], Config.parse(f"dense.{fields}.noattr.bxx").enrichment)
    out = {"sample": len(texts), "fields": fields, "throughput": {}}
    for model in models:
        encode_documents(texts[:32], model)                      # load the model and session
        t = time.perf_counter()
        emb = encode_documents(texts, model)
        out["throughput"][model] = {"docs_per_s": len(texts) / (time.perf_counter() - t),
                                    "dim": int(emb.shape[1])}
        if model == "minilm":   # the sample tiled to n rows, a little noise so no two are equal
            vectors = np.resize(emb, (n, emb.shape[1]))
            vectors += 0.01 * np.random.default_rng(0).standard_normal(vectors.shape, dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    times = []
    for q in queries["query_text"]:
        t = time.perf_counter()
        s = vectors @ encode([q])[0]
        top = np.argpartition(-s, 10)[:10]
        top[np.argsort(-s[top])]
        times.append(1000 * (time.perf_counter() - t))
    out["exact_search"] = {"vectors": n, "gb": vectors.nbytes / 1024 ** 3,
                           "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95))}
    engine, out["engine"] = Engine(corpus), {}
    configs = (("MiniLM dense", f"dense.{fields}.noattr.bxx"),
               ("Tuned hybrid", TUNED_ON_STUDY.replace(".sr+ocr+c.", f".{fields}.")))
    if n > sample:   # the tiled sample as the corpus's embeddings: what a search costs, not its quality
        from core.dense.passages import enrichment_key
        index = engine.dense_index("minilm")
        key = enrichment_key(Config.parse(configs[0][1]).enrichment)
        index._emb[key], index._present[key] = vectors, np.ones(n, dtype=bool)
    del vectors
    qtexts = queries["query_text"].tolist()
    for label, name in configs:
        cfg = Config.parse(name)
        engine.dense_index("minilm")._queries.clear()   # each configuration encodes its queries
        p50, p95 = latency(engine, cfg, qtexts)
        s1, mrr = quality(engine, cfg, queries) if n <= sample else (float("nan"), float("nan"))
        out["engine"][label] = {"config": str(cfg), "p50_ms": p50, "p95_ms": p95, "success_at_1": s1,
                                "mrr": mrr, "tiled": n > sample}
    return out


def measure(n: int, root: Path, regenerate: bool, bm25s: bool, runs: int, comments: bool = True,
            dense_docs: int = 0, models: tuple[str, ...] = (), lexical: bool = True) -> dict:
    db, gen_seconds = corpus_for(n, root, regenerate)
    t = time.perf_counter()
    corpus = load_corpus(db, comments=comments)
    out = {"docs": n, "generate_seconds": gen_seconds, "load_seconds": time.perf_counter() - t,
           "corpus_rss_gb": rss_gb(), "builds": {}, "queries": {}}
    if dense_docs:
        out["dense"] = dense(corpus, load_queries(db), n, dense_docs, models, comments)
    if not lexical:
        out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
        return out
    if comments:
        for tokens, fields in BUILDS[:2]:
            out["builds"][f"{tokens} {fields}"] = build(corpus, tokens, fields)
            gc.collect()
    engine = Engine(corpus)
    for tokens, fields in BUILDS[2:] if comments else BUILDS[:2]:
        out["builds"][f"{tokens} {fields}"] = build(corpus, tokens, fields, engine)
    queries = load_queries(db)
    texts = queries["query_text"].tolist()
    for label, name in QUERY_CONFIGS.items():
        cfg = Config.parse(name if comments else name.replace(".sr+ocr+c.", ".sr+ocr."))
        p50, p95 = latency(engine, cfg, texts)
        s1, mrr = quality(engine, cfg, queries)
        out["queries"][label] = {"config": str(cfg), "p50_ms": p50, "p95_ms": p95, "success_at_1": s1, "mrr": mrr}
    if bm25s:
        from bm25s_compare import compare
        out["bm25s"] = {str(k): v for k, v in compare(engine, texts, runs=runs, comments=comments).items()}
    out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    return out


def tables(results: list[dict]) -> str:
    lines = ["| N | generate s | load s | corpus RSS GB |", "| ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['docs']:,} | {r['generate_seconds']:.1f} | {r['load_seconds']:.1f} | {r['corpus_rss_gb']:.2f} |"
              for r in results if r.get("builds")]
    lines += ["", "| N | index | build s (wall) | build s (CPU) | peak RSS GB | added GB | terms | postings |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['docs']:,} | {name} | {b['seconds']:.1f} | {b['cpu_seconds']:.1f} | {b['peak_gb']:.2f} | "
              f"{b['added_gb']:.2f} | {b['terms']:,} | {b['postings']:,} |"
              for r in results for name, b in r.get("builds", {}).items()]
    lines += ["", "| N | configuration | p50 ms | p95 ms | Success@1 | MRR |", "| ---: | --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['docs']:,} | {label} | {q['p50_ms']:.1f} | {q['p95_ms']:.1f} | {q['success_at_1']:.3f} | {q['mrr']:.3f} |"
              for r in results for label, q in r.get("queries", {}).items()]
    if any("dense" in r for r in results):
        lines += ["", "| N | model | documents/s (passages embedded) | dimensions |", "| ---: | --- | ---: | ---: |"]
        lines += [f"| {r['docs']:,} | {m} | {f['docs_per_s']:.1f} ({r['dense']['sample']:,} {r['dense']['fields']}) | {f['dim']} |"
                  for r in results if "dense" in r for m, f in r["dense"]["throughput"].items()]
        lines += ["", "| N | exact dense search (MiniLM, float32) | memory GB | p50 ms | p95 ms |",
                  "| ---: | --- | ---: | ---: | ---: |"]
        lines += [f"| {r['docs']:,} | encode the query, N × 384 product, top 10 | {e['gb']:.2f} | "
                  f"{e['p50_ms']:.1f} | {e['p95_ms']:.1f} |"
                  for r in results if "dense" in r for e in [r["dense"]["exact_search"]]]
        lines += [f"| {r['docs']:,} | {label}: `Engine.search` " + (
                      "(embeddings: the tiled sample)" if q.get("tiled") else
                      f"(Success@1 {q['success_at_1']:.3f}, MRR {q['mrr']:.3f})") +
                  f" | — | {q['p50_ms']:.1f} | {q['p95_ms']:.1f} |"
                  for r in results if "dense" in r for label, q in r["dense"].get("engine", {}).items()]
    if any("bm25s" in r for r in results):
        lines += ["", "| N | k | ours q/s | ours arrays q/s | bm25s q/s | ratio ours/bm25s | ratio arrays/bm25s "
                  "| same ranking (identical + ties only) | bm25s index s |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in results:
            b = r.get("bm25s")
            for k, f in (b or {}).items():
                if isinstance(f, dict):   # runs before Engine.top have no arrays figures
                    arrays = (f"{f['arrays_qps']:,.0f} | {f['bm25s_qps']:,.0f} | {f['ratio']:.2f} | {f['arrays_ratio']:.2f}"
                              if "arrays_qps" in f else f"— | {f['bm25s_qps']:,.0f} | {f['ratio']:.2f} | —")
                    lines.append(f"| {r['docs']:,} | {k} | {f['ours_qps']:,.0f} | {arrays} | "
                                 f"{f['identical'] + f['ties']}/{b['queries']} | {b['bm25s_build_seconds']:.1f} |")
    return "\n".join(lines)


def curves(results: list[dict]) -> dict[str, list[dict]]:
    """The figures of :func:`tables` as long rows per chart: N, series, value."""
    rows: dict[str, list[dict]] = {k: [] for k in ("build", "memory", "latency", "quality", "bm25s", "dense")}
    for r in results:
        n = r["docs"]
        for name, b in r.get("builds", {}).items():
            rows["build"].append({"N": n, "series": name, "value": b["cpu_seconds"]})
            rows["memory"].append({"N": n, "series": name, "value": b["added_gb"]})
        for label, q in r.get("queries", {}).items():
            rows["latency"] += [{"N": n, "series": f"{label} {p}", "value": q[f"{p}_ms"]} for p in ("p50", "p95")]
            rows["quality"].append({"N": n, "series": label, "value": q["mrr"]})
        for k, f in (r.get("bm25s") or {}).items():
            if isinstance(f, dict) and "arrays_ratio" in f:
                rows["bm25s"] += [{"N": n, "series": f"Engine.search, k={k}", "value": f["ratio"]},
                                  {"N": n, "series": f"Engine.top (arrays), k={k}", "value": f["arrays_ratio"]}]
        if "dense" in r:
            e = r["dense"]["exact_search"]
            rows["dense"] += [{"N": n, "series": f"exact MiniLM search {p}", "value": e[f"{p}_ms"]} for p in ("p50", "p95")]
            rows["dense"] += [{"N": n, "series": f"{label} p95 (Engine.search)", "value": q["p95_ms"]}
                              for label, q in r["dense"].get("engine", {}).items()]
    return rows


def plot(results: list[dict], path: Path) -> None:
    """The cost curves as one PNG (Altair, rendered offline by vl-convert-python)."""
    import altair as alt
    import pandas as pd

    titles = {"build": ("Index build, CPU seconds", True), "memory": ("Index build, memory added (GB)", True),
              "latency": ("Query latency, ms (k = 10)", True), "quality": ("MRR of the synthetic queries", False),
              "bm25s": ("Our time / bm25s's (word BM25, one query at a time)", False),
              "dense": ("Dense and hybrid search over N documents, ms per query", True)}
    charts = []
    for key, data in curves(results).items():
        if not data:
            continue
        title, log = titles[key]
        frame = pd.DataFrame(data)
        frame = frame[frame["value"] > 0] if log else frame    # a log axis has no 0
        charts.append(alt.Chart(frame, title=title).mark_line(point=True).encode(
            x=alt.X("N:Q", scale=alt.Scale(type="log"), title="Documents (log scale)"),
            y=alt.Y("value:Q", scale=alt.Scale(type="log" if log else "linear"), title=None),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=260)),
        ).properties(width=360, height=220))
    rows = [alt.hconcat(*charts[i:i + 3]).resolve_scale(color="independent")
            for i in range(0, len(charts), 3)]
    alt.vconcat(*rows).resolve_scale(color="independent").save(str(path), scale_factor=1.5)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("/tmp/scale"), help="where the corpora are generated")
    p.add_argument("--max-docs", type=int, default=SIZES[-1], help="stop after this size")
    p.add_argument("--million", action="store_true", help="also 1,000,000 documents")
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                   help="these sizes instead, comma-separated (e.g. 100000)")
    p.add_argument("--regenerate", action="store_true", help="generate corpora again (times generation)")
    p.add_argument("--no-bm25s", dest="bm25s", action="store_false", help="skip the bm25s comparison")
    p.add_argument("--runs", type=int, default=3, help="timed passes of the bm25s comparison")
    p.add_argument("--without-comments", dest="comments", action="store_false",
                   help="index and query basic+sr+ocr only, the corpus loaded without its comments "
                        "(what fits a million documents in memory)")
    p.add_argument("--dense", action="store_true", help="also dense retrieval: throughput, exact search cost")
    p.add_argument("--dense-only", action="store_true", help="only the dense measures (implies --dense)")
    p.add_argument("--dense-docs", type=int, default=1000, help="passages embedded per size (default 1000)")
    p.add_argument("--mpnet", action="store_true", help="also time mpnet's embedding throughput")
    p.add_argument("--json", type=Path, help="append each size's figures as a JSON line")
    p.add_argument("--report", type=Path, help="only print the tables of figures saved by --json")
    p.add_argument("--plot", type=Path, help="with --report: also draw the curves into this PNG "
                                             "(needs vl-convert-python, in requirements-scale.txt)")
    args = p.parse_args(argv)
    if args.report:
        saved = [json.loads(line) for line in args.report.read_text().splitlines() if line.strip()]
        print(tables(saved))
        if args.plot:
            plot(saved, args.plot)
            print(f"wrote {args.plot}")
        return 0
    sizes = args.sizes or [n for n in SIZES + ((MILLION,) if args.million else ()) if n <= args.max_docs]
    if args.bm25s:
        try:
            import bm25s  # noqa: F401
        except ImportError:
            print("bm25s not installed (requirements-scale.txt): comparison skipped")
            args.bm25s = False
    results = []
    if args.dense or args.dense_only:   # the benchmark's own embedding cache, not the user's
        os.environ["TRL_EMBED_CACHE"] = str(args.dir / "embeddings.sqlite")
    for n in sizes:
        results.append(measure(n, args.dir, args.regenerate, args.bm25s and not args.dense_only, args.runs,
                               args.comments, args.dense_docs if args.dense or args.dense_only else 0,
                               ("minilm", "mpnet") if args.mpnet else ("minilm",), not args.dense_only))
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps(results[-1]) + "\n")
        print(f"N = {n:,} done (process peak {results[-1]['peak_rss_gb']:.1f} GB)", flush=True)
        gc.collect()
    print(f"{os.cpu_count()} CPUs (shared); k = 10 for latency\n")
    print(tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
