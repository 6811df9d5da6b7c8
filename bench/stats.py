"""Library versus hand-written statistics and edit distances: time and agreement.

    .venv/bin/python bench/stats.py [--runs 15] [--queries 86]

For each piece of core/stats.py and pipeline/quality.py: the median of ``--runs`` timings
of the library (scipy.stats.bootstrap, scipy.stats.permutation_test, statsmodels'
multipletests, jiwer) and of the hand-written code, as milliseconds and the ratio library /
hand-written (> 1: the library is slower), and how far their answers differ. Sizes are the
dashboard's: per-query metrics of 86 queries, 2,000 bootstrap resamples (summary_table) and
10,000 sign flips (paired_tests); one rerun of the cross-validation view with its 4 default
families is 40 intervals (4 families × 5 metrics × untuned and cross-validated), 3 paired
tests and 2 Holm adjustments. The quality texts are the demo's 120 cover texts and
scripts (pipeline.demo.generator) against copies with seeded OCR/speech-like errors.
The hand-written statistics are core.stats's own (kept for these timings, see its
docstrings); the hand-written edit distance is the one pipeline.quality had before jiwer.
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from scipy import stats as sps  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402

from core.stats import bootstrap_ci, holm, paired_randomisation  # noqa: E402
from pipeline import quality  # noqa: E402
from pipeline.demo.generator import build  # noqa: E402


# ---------------------------------------------------------------- the library calls
def scipy_ci(v, n_resamples=2000, seed=0):
    ci = sps.bootstrap((v,), np.mean, n_resamples=n_resamples, method="percentile", rng=seed).confidence_interval
    return float(ci.low), float(ci.high)


def scipy_p(a, b, n_resamples=10000, seed=0):
    return float(sps.permutation_test((a, b), lambda x, y, axis: np.mean(x - y, axis=axis),
                                      permutation_type="samples", vectorized=True,
                                      n_resamples=n_resamples, rng=seed).pvalue)


def statsmodels_holm(p):
    return multipletests(p, method="holm")[1]


# ---------------------------------------------------------------- pipeline.quality before jiwer
def hand_edit_distance(a, b) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def hand_wer(ref, hyp) -> float:
    r, h = quality.normalise(ref).split(), quality.normalise(hyp).split()
    return (0.0 if not h else 1.0) if not r else hand_edit_distance(r, h) / len(r)


def hand_char_accuracy(ref, hyp) -> float:
    r, h = quality.normalise(ref), quality.normalise(hyp)
    return (1.0 if not h else 0.0) if not r else max(0.0, 1.0 - hand_edit_distance(r, h) / len(r))


# ---------------------------------------------------------------- inputs and timing
def garble(text: str, rng: random.Random, rate: float) -> str:
    """Drop, double or replace about ``rate`` of the characters (an imperfect OCR/STT)."""
    out = []
    for ch in text:
        u = rng.random()
        if u < rate / 3:
            continue
        out.append(ch if u >= rate else (ch * 2 if u < 2 * rate / 3 else rng.choice("aeilnorst ")))
    return "".join(out)


def timings(lib, hand, runs: int) -> tuple[float, float]:
    """Median milliseconds of ``lib()`` and ``hand()``, run alternately (a shared machine's
    load then falls on both alike), after one warm-up call each."""
    lib(), hand()
    times: tuple[list, list] = ([], [])
    for _ in range(runs):
        for fn, out in ((lib, times[0]), (hand, times[1])):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def row(label: str, ms: tuple[float, float], agreement: str) -> None:
    lib_ms, hand_ms = ms
    print(f"| {label} | {lib_ms:.2f} | {hand_ms:.2f} | {lib_ms / hand_ms:.2f}× | {agreement} |", flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--queries", type=int, default=86)
    args = p.parse_args(argv)
    n, runs = args.queries, args.runs
    rng = np.random.default_rng(2022)
    rr_a = 1 / rng.integers(1, 30, n)                          # reciprocal ranks, like "rr"
    rr_b = np.clip(rr_a + rng.normal(0.03, 0.15, n), 0, 1)
    metrics = [rng.integers(0, 2, n).astype(float) for _ in range(3)] + [rr_a, 1 / rr_a]
    pvals = rng.uniform(0, 0.2, 25)

    print(f"median of {runs} runs; ratio = library / hand-written\n")
    print("| what | library ms | hand-written ms | ratio | agreement |\n| --- | ---: | ---: | ---: | --- |")
    for k in (2000, 10000):
        lib, hand = scipy_ci(rr_a, k), bootstrap_ci(rr_a, k)
        row(f"bootstrap CI, {n} values, {k:,} resamples (scipy percentile)",
            timings(lambda: scipy_ci(rr_a, k), lambda: bootstrap_ci(rr_a, k), runs),
            f"max |Δ bound| {max(abs(x - y) for x, y in zip(lib, hand)):.1e}")
    lib, hand = scipy_p(rr_a, rr_b), paired_randomisation(rr_a, rr_b)
    row(f"paired test, {n} pairs, 10,000 resamples (permutation_test 'samples')",
        timings(lambda: scipy_p(rr_a, rr_b), lambda: paired_randomisation(rr_a, rr_b), runs),
        f"p {lib:.4f} vs {hand:.4f}")
    small = rr_a[:12], rr_b[:12]
    row("paired test, 12 pairs, exact (4,096 sign patterns)",
        timings(lambda: scipy_p(*small), lambda: paired_randomisation(*small), runs),
        f"p {scipy_p(*small):.6f} vs {paired_randomisation(*small):.6f}")
    row("Holm, 25 p-values (statsmodels multipletests)",
        timings(lambda: statsmodels_holm(pvals), lambda: holm(pvals), runs),
        f"max |Δ| {np.abs(statsmodels_holm(pvals) - holm(pvals)).max():.1e}")

    def intervals(ci):
        for _ in range(2 * 4):
            for v in metrics:
                ci(v)

    def rerun(ci, test, adjust):
        intervals(ci)
        ps = [test(rr_a, rr_b) for _ in range(3)]
        adjust(ps), adjust(ps)

    row("the CV view's 40 CIs (2,000 resamples each)",
        timings(lambda: intervals(scipy_ci), lambda: intervals(bootstrap_ci), runs), "")
    row("one rerun of the CV view: 40 CIs + 3 paired tests + 2 Holm",
        timings(lambda: rerun(scipy_ci, scipy_p, statsmodels_holm),
                lambda: rerun(bootstrap_ci, paired_randomisation, holm), runs), "")

    _, truth, _, _ = build()
    trng = random.Random(7)
    covers = [(t["cover_text"], garble(t["cover_text"], trng, 0.08)) for t in truth.values()]
    scripts = [(t["script"], garble(t["script"], trng, 0.05)) for t in truth.values()]
    for label, lib_fn, hand_fn, pairs in (
            (f"OCR char accuracy, {len(covers)} demo cover texts (jiwer cer)",
             quality.char_accuracy, hand_char_accuracy, covers),
            (f"speech WER, {len(scripts)} demo scripts (jiwer wer)", quality.wer, hand_wer, scripts)):
        diff = max(abs(lib_fn(r, h) - hand_fn(r, h)) for r, h in pairs)
        row(label, timings(lambda: [lib_fn(r, h) for r, h in pairs],
                           lambda: [hand_fn(r, h) for r, h in pairs], runs), f"max |Δ| {diff:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
