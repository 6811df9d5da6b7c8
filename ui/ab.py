"""Search results of one or two configurations, side by side (A/B), for the Search page.

* :func:`ab_toggle` switches A/B on (bound to the URL, ``ab``); :func:`b_config` draws the
  choice of configuration B — a preset (:func:`presets`: the study's best, the Tuned hybrid
  when its embedding models are installed, BM25 on 4-grams) or a pasted configuration string
  — bound to the URL (``ab_b``, ``ab_cfg``) and returns it. A is always the sidebar's.
* :func:`search_side` searches one side's configuration (:meth:`core.engine.Engine.search`)
  and, when the query is a test query of the corpus (:func:`test_rows`), finds where its
  target landed: the tie-aware rank :meth:`core.engine.Engine.rank_queries` computes, the
  figure Query lab shows; :func:`show_answer` draws it as result cards
  (:func:`ui.display.result_card`, the target's card badged) under that rank.

Text from the URL or a paste box is shown as plain text (:func:`ui.display.plain_error`).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

from core.config import STUDY_BEST, Config
from core.engine import Engine, QueryError
from core.families import BM25_DEFAULT, TUNED_ON_STUDY
from core.fields import fields_for
from core.watched import restrict
from ui.controls import dense_models
from ui.data import engine_lock, prepare_dense
from ui.display import TermMatcher, escape_md, plain_error, result_card
from ui.weighting_widgets import BOUND

K_AB, K_B, K_B_CFG = "ab", "ab_b", "ab_cfg"   # URL keys: the toggle, B's preset, B's string
CUSTOM = "custom"
TUNED = Config.parse(TUNED_ON_STUDY)
BM25 = STUDY_BEST.with_weighting(BM25_DEFAULT)
# preset -> (label, configuration); the Tuned hybrid only when its models are installed
PRESETS = {"tuned": ("Tuned hybrid", TUNED), "best": ("Study's best", STUDY_BEST),
           "bm25": ("BM25 4-gram", BM25)}
TARGET_BADGE = ":green-badge[:material/flag: target]"
TIED_BADGE = ":gray-badge[:material/drag_handle: tied]"   # the same score as a neighbour


def presets() -> dict[str, tuple[str, Config]]:
    """The presets this machine can search: the Tuned hybrid needs its dense models."""
    installed = dense_models().keys()
    return {k: (label, c) for k, (label, c) in PRESETS.items() if c.models <= installed}


def default_b() -> str:
    """B's default preset: the Tuned hybrid when installed, else BM25."""
    return "tuned" if "tuned" in presets() else "bm25"


def preset_label(config: Config) -> str | None:
    """The name of the preset equal to ``config`` (ranks the same), if any."""
    return next((label for label, c in PRESETS.values() if c == config), None)


def ab_toggle(box=st) -> bool:
    return box.toggle("A/B: compare two configurations", key=K_AB, **BOUND,
                      help="Show the sidebar's configuration (A) beside a second one (B) for the "
                           "same query.")


def b_config(box=st) -> Config | None:
    """Draw the choice of configuration B and return it (None, with a plain-text error, when
    a pasted string is not a configuration)."""
    options = presets()
    labels = {**{k: label for k, (label, _) in options.items()}, CUSTOM: "Configuration string"}
    pick = box.segmented_control("Configuration B", list(labels), default=default_b(),
                                 format_func=labels.get, key=K_B, **BOUND,
                                 required=True) or default_b()
    if pick != CUSTOM:
        return options[pick][1]
    text = (box.text_input("Configuration string for B", key=K_B_CFG, **BOUND,
                           placeholder="e.g. word+4gram.all.bm25(k1=0.9,b=0.4).rrf(k=60)")
            or "").strip()
    if not text:
        box.info("Paste a configuration string for B.", icon=":material/edit:")
        return None
    try:
        return Config.parse(text)
    except ValueError as e:  # the text comes from the URL: shown as plain text
        with box.container():
            plain_error("Configuration B cannot be read:", e)
        return None


@dataclass(frozen=True)
class Side:
    """One column of results: its name (A, B), a readable label, its configuration and the
    prefix of its cards' button keys."""

    name: str
    label: str
    config: Config
    key: str = ""


def sides(a: Config, b: Config | None) -> list[Side]:
    """A (the sidebar's configuration) and, when comparing, B."""
    out = [Side("A", preset_label(a) or "Sidebar configuration", a)]
    if b is not None:
        out.append(Side("B", preset_label(b) or "Pasted configuration", b, "b_"))
    return out


def test_rows(queries: pd.DataFrame, text: str) -> pd.DataFrame:
    """The test queries whose text is the typed query (surrounding whitespace ignored)."""
    if queries.empty or not text:
        return queries.iloc[:0]
    return queries[queries["query_text"].fillna("").str.strip() == text.strip()]


def rank_text(lo: float, hi: float) -> tuple[str, str | None]:
    """(the expected rank as shown, help on ties or a missing rank), as Query lab shows it."""
    if math.isnan(lo):
        return "not ranked", "The target shares no term with the query under this configuration."
    return f"{(lo + hi) / 2:g}", (f"tied between ranks {lo:g} and {hi:g}" if hi > lo else None)


def _show_ranks(rows: pd.DataFrame, ranked: pd.DataFrame) -> None:
    """One metric per matching test query: where its target landed."""
    for (_, row), lo, hi in zip(rows.iterrows(), ranked["rank_lo"], ranked["rank_hi"]):
        value, help_ = rank_text(float(lo), float(hi))
        label = "Target rank" if len(rows) == 1 else f"Target rank · query #{row['query_id']}"
        st.metric(label, value, help=help_)


@dataclass(frozen=True)
class Answer:
    """What one side found: its hits (None when the search failed, ``problem`` says why),
    the test queries' target ranks (None when the query is not a test query) and the time."""

    side: Side
    hits: pd.DataFrame | None = None
    ranked: pd.DataFrame | None = None
    elapsed: float = 0.0
    problem: Exception | None = None

    @property
    def ids(self) -> list[str]:
        return [] if self.hits is None else self.hits["id"].tolist()


def search_side(engine: Engine, side: Side, query: str, k: int, tests: pd.DataFrame,
                within=None) -> Answer:
    """:meth:`core.engine.Engine.search` of one side and, for a test query, its target's
    tie-aware rank (:meth:`core.engine.Engine.rank_queries`); failures are kept to be shown.
    ``within``: only these ids (e.g. watched last week, :func:`core.watched.restrict`)."""
    try:
        with engine_lock():
            prepare_dense(engine, side.config)   # a progress bar the first time
        t0 = time.perf_counter()
        with engine_lock(), st.spinner("Building the index for this configuration…"):
            if within is None:
                hits = engine.search(side.config, query, k=k)
            else:
                hits = restrict(engine.search(side.config, query, k=len(engine.corpus.docs)),
                                within, k)
            elapsed = (time.perf_counter() - t0) * 1000
            ranked = None if tests.empty else engine.rank_queries(side.config, tests)
    except Exception as e:  # QueryError, or an unknown scheme/parameter in a pasted config
        return Answer(side, problem=e)
    return Answer(side, hits, ranked, elapsed)


def show_answer(engine: Engine, answer: Answer, query: str, tests: pd.DataFrame, *,
                chosen: str | None, on_open: Callable, presenting: bool = False,
                titled: bool = False) -> None:
    """Draw one side: its cards (the ``chosen`` one marked, test queries' targets badged),
    where the targets landed, or why there is nothing. ``titled`` (one of two columns): headed
    "A · label", narrow cards; presenting: no scores, no configuration caption."""
    side = answer.side
    if titled:
        st.subheader(f"{side.name} · {side.label}")
    if isinstance(answer.problem, QueryError):
        st.warning(escape_md(answer.problem), icon=":material/edit:")
        return
    if answer.problem is not None:
        plain_error("This configuration cannot be searched:", answer.problem)
        return
    hits = answer.hits
    if not presenting:
        st.caption(f"Top {len(hits)} · `{side.config}` · {answer.elapsed:.0f} ms")
    if answer.ranked is not None:
        _show_ranks(tests, answer.ranked)
    if hits.empty:
        st.warning("No video shares a term with that query under this configuration. Try other "
                   "words, add fields (speech, OCR, comments) or use character n-grams, which "
                   "forgive typos.", icon=":material/search_off:")
        return
    docs = engine.corpus.docs
    matcher = TermMatcher(engine.source.normalise, side.config, query)
    fields = fields_for(side.config.enrichment)
    targets = set(tests["target_id"].astype(str))
    tied = hits["score"].duplicated(keep=False).tolist()   # their order among them is arbitrary
    for r, tie in zip(hits.itertuples(), tied):
        badge = " ".join(b for b, on in ((TARGET_BADGE, r.id in targets), (TIED_BADGE, tie)) if on)
        result_card(docs.iloc[int(r.doc)].to_dict(), rank=int(r.rank),
                    score=None if presenting else float(r.score), matcher=matcher, fields=fields,
                    on_open=on_open, selected=(r.id == chosen), key=side.key,
                    badge=badge, narrow=titled)


def first_hit(answers: list[Answer]) -> str | None:
    """The video watched when none was chosen: the best hit of the first side with hits."""
    return next((a.ids[0] for a in answers if a.ids), None)


def watching_title(chosen: str, answers: list[Answer]) -> str:
    """"Watching #2" (one side), "Watching · A #2 · B —" (A/B; — not in B's top k)."""
    places = {a.side.name: a.ids.index(chosen) + 1 for a in answers if chosen in a.ids}
    if len(answers) == 1:
        return f"Watching #{next(iter(places.values()))}" if places else "Watching"
    return " · ".join(["Watching"] + [f"{a.side.name} #{places[a.side.name]}"
                                      if a.side.name in places else f"{a.side.name} —"
                                      for a in answers])
