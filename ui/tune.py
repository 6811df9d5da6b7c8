"""What the Tune page computes, cached, and the widgets it draws beside the sidebar.

The page follows the sidebar's configuration over the whole test set at once, so every
computation is cached per (corpus build, normalisation mode, configuration, query set):
:func:`evaluated` holds one configuration's per-query table on all the corpus's queries
(filters only pick rows from it, never recompute), :func:`compared` the comparison with the
baseline on the rows picked, :func:`chart_specs` its charts' Vega-Lite specs (built only when the
Charts tab is open, after the headline is drawn), :func:`swept` one sweep. The Engine behind them is
:func:`ui.data.get_engine`'s, used under :func:`ui.data.engine_lock`.

The pinned baseline is a preset (the study's best, the tuned hybrid when its models are
installed, every available method family's default) or any configuration string, bound to
the URL. Links to Query lab carry the page's URL parameters (the configuration, the data
source, the query filters) minus the Tune page's own (``t_…``), plus the query.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.config import STUDY_BEST, Config
from core.families import TUNED_ON_STUDY, available_families
from core.results import save_experiment
from core.store import corpus_version
from core.evaluation import per_query, tag_breakdown
from core.metrics import missing_rank
from core.tuning import Comparison, compare, parameter_of, sweep
from ui.charts import (ecdf_chart, ecdf_points, rank_distribution, rank_scatter, spec_with_data,
                       tag_bar_rows, tag_chart)
from ui.controls import dense_models
from ui.data import DataSource, engine_lock, get_engine
from ui.display import plain_error
from ui.evaluation import queries_digest
from ui.weighting_widgets import BOUND

PREFIX = "t_"                       # the Tune page's own URL keys
K_BASE, K_BASE_CFG = "t_base", "t_base_cfg"
CUSTOM = "Configuration string…"
QUERY_LAB = "query_lab"             # the Query lab page's url_path (app.py)
_SAVED = "_t_saved"                 # session state: (configuration, Saved) of the last save
K_SCATTER = "t_scatter"             # the per-query scatter (a point selection)
_OPEN = "_t_open"                   # session state: the query a click on the scatter opens


def presets() -> dict[str, Config]:
    """Baselines to pick by name (the first is the default)."""
    return dict(_presets(frozenset(dense_models())))


@cache
def _presets(models: frozenset[str]) -> tuple[tuple[str, Config], ...]:
    out = {"Study's best": STUDY_BEST}
    tuned = Config.parse(TUNED_ON_STUDY)
    if tuned.models <= models:
        out["Tuned hybrid"] = tuned
    for f in available_families():
        config = Config.parse(f.default)
        if config not in out.values():
            out[f"{f.name} (default)"] = config
    return tuple(out.items())


def _pin(config: str) -> None:
    st.session_state[K_BASE] = CUSTOM
    st.session_state[K_BASE_CFG] = config


def baseline_picker(current: Config) -> Config | None:
    """The pinned baseline: a preset or a pasted configuration (None, with the reason shown,
    when the string is not one); a button pins the current configuration."""
    named = presets()
    left, middle, right = st.columns([3, 5, 2], vertical_alignment="bottom")
    choice = left.selectbox("Pinned baseline", [*named, CUSTOM], key=K_BASE, **BOUND,
                            help="What the current configuration is compared with: a preset, "
                                 "or any configuration string.")
    right.button("Pin the current one", key="t_pin", on_click=_pin, args=(str(current),),
                 icon=":material/push_pin:", width="stretch",
                 help="Make the sidebar's configuration the baseline, then move the sliders.")
    if choice != CUSTOM:
        middle.code(str(named[choice]), language=None)
        return named[choice]
    text = (middle.text_input("Baseline configuration", key=K_BASE_CFG, **BOUND,
                              placeholder=str(STUDY_BEST)) or "").strip()
    try:
        return Config.parse(text or str(STUDY_BEST))
    except ValueError as e:
        plain_error("The baseline is not a configuration:", e)   # URL text: never Markdown
        return None


# ---------------------------------------------------------------- cached computation

def _key(source: DataSource, queries: pd.DataFrame):
    engine = get_engine(source)
    path = str(source.db.resolve())
    return engine, (path, corpus_version(path), engine.mode, queries_digest(queries))


@st.cache_data(show_spinner=False, max_entries=128)
def _per_query(key: tuple, config: str, _engine, _queries: pd.DataFrame) -> pd.DataFrame:
    with engine_lock():
        return per_query(_engine, Config.parse(config), _queries)


def evaluated(source: DataSource, config: Config, queries: pd.DataFrame) -> pd.DataFrame:
    """:func:`core.evaluation.per_query` of ``config`` on ``queries``, cached."""
    engine, key = _key(source, queries)
    return _per_query(key, str(config), engine, queries.reset_index(drop=True))


@st.cache_data(show_spinner=False, max_entries=64)
def _compared(key: tuple, config: str, baseline: str, ids: tuple, _engine, _queries: pd.DataFrame) -> Comparison:
    current, base = (_per_query(key, c, _engine, _queries) for c in (config, baseline))
    current, base = (t[t["query_id"].isin(ids)].reset_index(drop=True) for t in (current, base))
    return compare(current, base, _queries[_queries["query_id"].astype(int).isin(ids)])


def compared(source: DataSource, config: Config, baseline: Config, queries: pd.DataFrame, ids) -> Comparison:
    """:func:`core.tuning.compare` of ``config`` against ``baseline`` on the queries numbered
    ``ids`` (``queries`` holds every query of the corpus), cached per (corpus,
    configurations, queries): a slider moved back to an earlier value redraws from one
    look-up keyed by a few strings, instead of hashing tables."""
    engine, key = _key(source, queries)
    return _compared(key, str(config), str(baseline), _ids(ids), engine, queries.reset_index(drop=True))


@st.cache_data(show_spinner=False, max_entries=64)
def _charts(key: tuple, config: str, baseline: str, ids: tuple, tags: tuple, metrics: tuple,
            missing: float, _engine, _queries: pd.DataFrame) -> dict:
    current, base = (_per_query(key, c, _engine, _queries) for c in (config, baseline))
    current, base = (t[t["query_id"].isin(ids)].reset_index(drop=True) for t in (current, base))
    long = pd.concat([current.assign(config="current"), base.assign(config="baseline")], ignore_index=True)
    per = _compared(key, config, baseline, ids, _engine, _queries).per_query
    top = float(max(_engine.n_docs, 10))   # fixed axes: a slider moves the data, not the scales
    order = ["current", "baseline"]
    # only the columns drawn: less to encode and send on every slider move
    ecdf, box = ecdf_points(long)[["config", "rank", "share"]], long[["config", "rank"]]
    per = per[["query_id", "query_text", "baseline_rank", "rank", "outcome"]]
    bd = tag_breakdown({"current": current, "baseline": base}, metrics=tuple(m for m, _ in metrics))
    bd["tag"] = bd["tag"].map(dict(tags))
    tagged = tag_bar_rows(bd)
    # each chart's spec is fixed by its key; a new configuration only brings new data
    specs = {"ecdf": spec_with_data(("ecdf", top, *order), lambda: ecdf_chart(ecdf, top, order), [ecdf]),
             "box": spec_with_data(("box", missing, top, *order),
                                   lambda: rank_distribution(box, "box", missing, top), [box]),
             "scatter": spec_with_data(("scatter", missing, top),
                                       lambda: rank_scatter(per, missing, top=top), [per])}
    for m, label in metrics:
        specs[f"tags:{m}"] = spec_with_data(("tags", m, label, *order),
                                            lambda m=m, label=label: tag_chart(tagged, m, label), [tagged])
    return specs


def chart_specs(source: DataSource, config: Config, baseline: Config, queries: pd.DataFrame, ids,
                tags: dict, metrics: dict) -> dict:
    """The Vega-Lite specs of the Charts tab (``ecdf``, ``box``, ``scatter``, and
    ``tags:<metric>`` for each metric of the tag chart) for :func:`compared`'s arguments,
    cached likewise: built only when the tab is open, after the headline is on screen."""
    engine, key = _key(source, queries)
    return _charts(key, str(config), str(baseline), _ids(ids), tuple(tags.items()), tuple(metrics.items()),
                   float(missing_rank(engine.n_docs)), engine, queries.reset_index(drop=True))


def _ids(ids) -> tuple:
    return tuple(sorted(int(i) for i in ids))


@st.cache_data(show_spinner=False, max_entries=64)
def _sweep(key: tuple, config: str, parameter: str, folds: int, _engine, _queries) -> pd.DataFrame:
    cfg = Config.parse(config)
    with engine_lock():
        return sweep(_engine, cfg, _queries, parameter_of(cfg, parameter), folds=folds or None)


def swept(source: DataSource, config: Config, queries: pd.DataFrame, parameter: str,
          folds: int = 0) -> pd.DataFrame:
    """:func:`core.tuning.sweep` of the parameter keyed ``parameter``, cached."""
    engine, key = _key(source, queries)
    return _sweep(key, str(config), parameter, folds, engine, queries.reset_index(drop=True))


@dataclass(frozen=True)
class Saved:
    ok: bool
    text: str

    @property
    def icon(self) -> str:
        return ":material/check:" if self.ok else ":material/error:"


def save(source: DataSource, config: Config, queries: pd.DataFrame) -> None:
    """Save ``config``'s ranks on every query of ``queries`` into the source's results.db (a
    button's callback: it runs once per click, before the page); what happened is kept for
    :func:`saved_message`."""
    try:
        engine = get_engine(source)
        pq = evaluated(source, config, queries)
        with engine_lock():
            experiment = save_experiment(source.results, config, pq, queries, engine)
        said = Saved(True, f"Saved as experiment {experiment} in `{source.results}`: the Experiments "
                           "page and Query lab's view across every configuration include it.")
    except (OSError, ValueError) as e:
        said = Saved(False, f"Not saved: {e}")
    st.session_state[_SAVED] = (str(config), said)


def saved_message(config: Config) -> Saved | None:
    """What saving ``config`` gave, while it is still the configuration shown."""
    name, said = st.session_state.get(_SAVED, (None, None))
    return said if name == str(config) else None


# ---------------------------------------------------------------- links and tables

def link_params() -> dict[str, list[str]]:
    """The current URL's parameters that other pages read (everything but ``t_…``)."""
    return {k: st.query_params.get_all(k) for k in st.query_params if not k.startswith(PREFIX)}


def query_lab_params(query_id, params: dict) -> dict:
    """URL parameters opening Query lab on one query (by its id) with the same configuration."""
    return {**params, "query": str(int(query_id))}


def query_lab_url(query_id, params: dict) -> str:
    """A relative link opening Query lab on one query with the same configuration."""
    return f"{QUERY_LAB}?" + urlencode(query_lab_params(query_id, params), doseq=True)


def selected_queries(state, name: str = "query") -> list[int]:
    """The query ids selected in a chart (``st.altair_chart(..., on_select="rerun")``): a
    point selection is a list of the selected points' fields (empty: a dict)."""
    chosen = (state.selection.get(name) if state else None) or []
    points = chosen if isinstance(chosen, list) else [chosen]
    return [int(p["query_id"]) for p in points if isinstance(p, dict) and "query_id" in p]


def open_selected() -> None:
    """The scatter's ``on_select`` callback: remember the clicked query for
    :func:`follow_selection` (a callback runs once per click; the selection itself stays in
    the session, and following it on every rerun would bounce a user coming back)."""
    picked = selected_queries(st.session_state.get(K_SCATTER))
    if picked:
        st.session_state[_OPEN] = picked[0]


def follow_selection() -> None:
    """Open Query lab on the query clicked on the scatter, if one was just clicked. Only the
    query goes in the URL: the sidebar's widgets, bound to the URL and present on both
    pages, carry the configuration themselves (Streamlit refuses to set a bound parameter)."""
    query = st.session_state.pop(_OPEN, None)
    if query is not None:
        st.switch_page(f"pages/{QUERY_LAB}.py", query_params={"query": str(int(query))})


def query_table(per: pd.DataFrame, docs: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Per query: a Query lab link, the text, the target's creator, both ranks, the gain."""
    creators = docs.set_index("id")["creator_username"]
    return pd.DataFrame({
        "open": [query_lab_url(q, params) for q in per["query_id"]],
        "query_id": per["query_id"].to_numpy(),
        "query": per["query_text"].to_numpy(),
        "target creator": per["target_id"].astype(str).map(creators).fillna("(not indexed)").to_numpy(),
        "baseline rank": per["baseline_rank"].to_numpy(), "current rank": per["rank"].to_numpy(),
        "gain (log2)": per["gain"].to_numpy(), "outcome": per["outcome"].to_numpy()})


def query_columns() -> dict:
    """``st.dataframe`` settings of :func:`query_table`'s columns."""
    return {"open": st.column_config.LinkColumn("Query lab", display_text="Open",
                                                help="Open this query in Query lab, same configuration"),
            "query_id": st.column_config.NumberColumn("id", format="%d"),
            "baseline rank": st.column_config.NumberColumn(format="%.3g"),
            "current rank": st.column_config.NumberColumn(format="%.3g"),
            "gain (log2)": st.column_config.NumberColumn(
                format="%+.2f", help="log2(baseline rank / current rank): +1 = rank halved")}
