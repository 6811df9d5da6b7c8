"""Altair chart builders shared by the pages (titles and units on every axis), and
:func:`vega_spec`, a chart's spec for pages that cache it."""
from __future__ import annotations

import threading

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

from ui.data import FIELDS_ORDER, token_order

FIELD_TITLE = "Fields (basic + enrichment)"

# Altair validates each chart object against the Vega-Lite schema as it is built (a fifth of
# building the Tune page's charts); ``to_dict()`` still validates, and tests/app/test_charts.py
# validates every chart function's output that way.
alt.utils.schemapi.disable_debug_mode()


def _sorted_tokens(values) -> list[str]:
    return sorted(set(values), key=token_order)


def _sorted_fields(values) -> list[str]:
    vals = set(values)
    return [f for f in FIELDS_ORDER if f in vals] + sorted(vals - set(FIELDS_ORDER))


def heatmap(df: pd.DataFrame, value: str, title: str, higher_better: bool, fmt: str = ".2f",
            x: str = "fields", y: str = "tokenisation", row: str | None = "attribution",
            column: str | None = "weighting", cell: int = 44) -> alt.Chart:
    """Tokenisation × fields heatmap of ``value``, faceted by attribution and weighting."""
    scheme = alt.Scale(scheme="viridis", reverse=not higher_better)
    base = alt.Chart().encode(
        x=alt.X(f"{x}:N", sort=_sorted_fields(df[x]), title=FIELD_TITLE,
                axis=alt.Axis(labelAngle=-40, labelOverlap=False)),
        y=alt.Y(f"{y}:N", sort=_sorted_tokens(df[y]), title="Tokenisation"),
    )
    rect = base.mark_rect().encode(   # the legend above: to the right of twelve facets it was cut
        color=alt.Color(f"{value}:Q", scale=scheme, title=title,
                        legend=alt.Legend(orient="top", titleLimit=600, gradientLength=240)),
        tooltip=[alt.Tooltip("config:N"), alt.Tooltip(f"{value}:Q", format=fmt, title=title)])
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.condition(alt.datum[value] > df[value].median() if higher_better
                            else alt.datum[value] < df[value].median(),
                            alt.value("black"), alt.value("white")))
    chart = alt.layer(rect, text, data=df).properties(width=cell * max(df[x].nunique(), 1),
                                     height=cell * 0.6 * max(df[y].nunique(), 1))
    facets = {}
    if row and df[row].nunique() > 0:
        facets["row"] = alt.Row(f"{row}:N", title="Attribution")
    if column and df[column].nunique() > 0:
        facets["column"] = alt.Column(f"{column}:N", title="Weighting")
    if facets:
        chart = chart.facet(**facets)
    return chart.properties(title=f"{title} by tokenisation and fields").resolve_scale(color="shared")


def rank_distribution(long: pd.DataFrame, kind: str, missing_rank: float, top: float | None = None) -> alt.Chart:
    """Distributions of target ranks per configuration (log-scaled rank axis).

    ``long`` has per-query rows (:mod:`core.evaluation`) with a ``config`` column: ``rank``
    (a missing rank counted as ``missing_rank``), ``rank_lo`` (NaN = missing).
    ``kind``: ``box``, ``violin`` or ``ecdf``. ``top`` (box and ecdf): the rank axis's upper end (default
    the largest rank shown); a page whose data follow a slider passes a constant, so the axes
    stay put while the data move (and the chart's spec stays the same: the browser only swaps
    its data).
    """
    configs = list(dict.fromkeys(long["config"]))
    color = alt.Color("config:N", sort=configs, title="Configuration",
                      legend=alt.Legend(orient="right", labelLimit=320))
    rank_title = "Target rank (log scale)"   # short: a long axis title is cut at the top
    missing_note = f"A missing rank counts as {missing_rank:g}."
    if kind == "ecdf":
        d = ecdf_points(long)
        return ecdf_chart(d, top or max(float(d["rank"].max()), 10), configs)
    if kind == "violin":
        d = long.assign(log_rank=np.log10(long["rank"].clip(lower=1)))
        top = float(np.log10(max(d["rank"].max(), 10)))
        return alt.Chart(d).transform_density(
            "log_rank", as_=["log_rank", "density"], groupby=["config"], extent=[0, top],
        ).mark_area(orient="horizontal", opacity=0.8).encode(
            y=alt.Y("log_rank:Q", title=rank_title, scale=alt.Scale(domain=[0, top]),
                    axis=alt.Axis(values=list(range(int(top) + 1)),
                                  labelExpr="format(pow(10, datum.value), ',')")),
            x=alt.X("density:Q", stack="center", impute=None, title=None,
                    axis=alt.Axis(labels=False, ticks=False, grid=False)),
            color=color,
            column=alt.Column("config:N", sort=configs, title=None,
                              header=alt.Header(labelAngle=0, labelLimit=220, labelFontSize=10)),
        ).properties(width=max(80, 600 // max(len(configs), 1)), height=360,
                     title=alt.Title("Density of target ranks", subtitle=missing_note))
    return alt.Chart(long).mark_boxplot(extent=1.5, size=28).encode(
        x=alt.X("config:N", sort=configs, title="Configuration", axis=alt.Axis(labelAngle=-20,
                                                                              labelLimit=260)),
        y=alt.Y("rank:Q", scale=alt.Scale(type="log", **({"domain": [1, top]} if top else {})), title=rank_title),
        color=alt.Color("config:N", sort=configs, legend=None),
    ).properties(height=380, title=alt.Title("Target ranks per configuration", subtitle=missing_note))


def ecdf_points(long: pd.DataFrame) -> pd.DataFrame:
    """The steps of each configuration's rank ECDF: its found targets by rank, with ``share``
    = the fraction of all its queries (missing ranks included) at that rank or better."""
    d = long.dropna(subset=["rank_lo"]).sort_values(["config", "rank"]).copy()
    n = long.groupby("config")["query_id"].count()
    d["share"] = (d.groupby("config").cumcount().add(1) / d["config"].map(n).astype(float)
                  if len(d) else pd.Series(dtype=float))   # no target found: no step
    return d


def ecdf_chart(points: pd.DataFrame, top: float, configs: list[str]) -> alt.Chart:
    """:func:`ecdf_points` as step lines on a log rank axis up to ``top``, coloured by
    configuration in the order ``configs``."""
    return alt.Chart(points).mark_line(interpolate="step-after").encode(
        x=alt.X("rank:Q", scale=alt.Scale(type="log", domain=[1, top], nice=False),
                title="Target rank (log scale)"),
        y=alt.Y("share:Q", title="Queries with target at rank ≤ x",
                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("config:N", sort=configs, title="Configuration",
                        legend=alt.Legend(orient="right", labelLimit=320)),
        tooltip=[alt.Tooltip("config:N"), alt.Tooltip("rank:Q"), alt.Tooltip("share:Q", format=".0%")],
    ).properties(height=420, title=alt.Title("Cumulative distribution of target ranks",
                                             subtitle="Missing ranks never reach the curve."))


def parallel_coordinates(summary: pd.DataFrame, metric: str, title: str,
                         higher_better: bool, top: int = 20) -> alt.Chart:
    """tokenisation × fields × attribution × weighting → metric, one line per experiment.

    Categorical axes place their categories evenly on [0, 1]; the metric axis is min-max
    scaled. The ``top`` best experiments are drawn opaque, the rest faint.
    """
    dims = [("tokenisation", "Tokenisation", _sorted_tokens(summary["tokenisation"])),
            ("fields", "Fields", _sorted_fields(summary["fields"])),
            ("attribution", "Attribution", ["noattr", "attr"]),
            ("weighting", "Weighting", sorted(summary["weighting"].unique()))]
    s = summary.copy()
    order = s[metric].rank(ascending=not higher_better, method="first")
    s["top"] = order <= top
    rows, labels = [], []
    for i, (col, name, cats) in enumerate(dims):
        cats = [c for c in cats if c in set(s[col])]
        pos = {c: (k / (len(cats) - 1) if len(cats) > 1 else 0.5) for k, c in enumerate(cats)}
        labels += [{"axis": i, "pos": p, "label": c} for c, p in pos.items()]
        rows.append(pd.DataFrame({"experiment_id": s["experiment_id"], "axis": i,
                                  "pos": s[col].map(pos), "config": s["config"],
                                  "value": s[metric], "top": s["top"]}))
    lo, hi = s[metric].min(), s[metric].max()
    span = (hi - lo) or 1.0
    rows.append(pd.DataFrame({"experiment_id": s["experiment_id"], "axis": len(dims),
                              "pos": (s[metric] - lo) / span, "config": s["config"],
                              "value": s[metric], "top": s["top"]}))
    labels += [{"axis": len(dims), "pos": 0.0, "label": f"{lo:.3g}"},
               {"axis": len(dims), "pos": 1.0, "label": f"{hi:.3g}"}]
    long = pd.concat(rows, ignore_index=True)
    axis_names = [d[1] for d in dims] + [title]
    x = alt.X("axis:O", title=None, axis=alt.Axis(labelExpr=f"{axis_names}[datum.value]",
                                                  labelAngle=0, labelFontWeight="bold"))
    lines = alt.Chart(long).mark_line(strokeWidth=1.2).encode(
        x=x, y=alt.Y("pos:Q", axis=None),
        detail=alt.Detail("experiment_id:N"),
        color=alt.Color("value:Q", scale=alt.Scale(scheme="viridis", reverse=not higher_better),
                        title=title),
        opacity=alt.OpacityValue(0.06, condition={"test": "datum.top", "value": 0.9}),
        tooltip=[alt.Tooltip("config:N"), alt.Tooltip("value:Q", format=".3f", title=title)])
    rules = alt.Chart(pd.DataFrame({"axis": range(len(axis_names))})).mark_rule(
        color="#888").encode(x=x)
    # each category label over a white halo of itself, so it reads where lines cross it
    base = alt.Chart(pd.DataFrame(labels)).encode(x=x, y=alt.Y("pos:Q"), text=alt.Text("label:N"))
    halo = base.mark_text(align="left", dx=4, fontSize=10, stroke="white", strokeWidth=3,
                          strokeJoin="round")
    text = base.mark_text(align="left", dx=4, fontSize=10)
    return (rules + lines + halo + text).properties(
        height=420, title=f"Each experiment as a line; the best {top} by {title} highlighted")


def index_bars(indexes: pd.DataFrame, value: str, title: str, fmt: str) -> alt.Chart:
    """Grouped bars of an index statistic: fields × tokenisation, faceted by attribution."""
    toks = _sorted_tokens(indexes["tokenisation"])
    return alt.Chart(indexes).mark_bar().encode(
        x=alt.X("fields:N", sort=_sorted_fields(indexes["fields"]), title=FIELD_TITLE,
                axis=alt.Axis(labelAngle=-40, labelOverlap=False)),
        xOffset=alt.XOffset("tokenisation:N", sort=toks),
        y=alt.Y(f"{value}:Q", title=title),
        color=alt.Color("tokenisation:N", sort=toks, title="Tokenisation"),
        column=alt.Column("attribution:N", title="Attribution"),
        tooltip=[alt.Tooltip("config:N"), alt.Tooltip(f"{value}:Q", format=fmt, title=title)],
    ).properties(width=380, height=280, title=title)


def ci_chart(df: pd.DataFrame, title: str, higher_better: bool = True) -> alt.Chart:
    """Point estimates with 95% CI error bars, one row per method, untuned default and
    cross-validated side by side. ``df`` has columns method, figure, value, lo, hi."""
    methods = list(dict.fromkeys(df["method"]))
    figures = list(dict.fromkeys(df["figure"]))
    y = alt.Y("method:N", sort=methods, title=None, axis=alt.Axis(labelLimit=420))
    offset = alt.YOffset("figure:N", sort=figures)
    palette = {"untuned default": "#8c8c8c", "cross-validated": "#1f6fb4"}
    color = alt.Color("figure:N", sort=figures, title="Figure", legend=alt.Legend(orient="top"),
                      scale=alt.Scale(domain=figures, range=[palette.get(f, "#e45756") for f in figures]))
    x_title = f"{title} ({'higher' if higher_better else 'lower'} is better; bars: bootstrap 95% CI)"
    base = alt.Chart(df).encode(y=y, yOffset=offset, color=color)
    bars = base.mark_errorbar(ticks=True, thickness=1.5).encode(
        x=alt.X("lo:Q", title=x_title, scale=alt.Scale(zero=False)), x2=alt.X2("hi:Q"))
    points = base.mark_point(filled=True, size=60).encode(
        x=alt.X("value:Q"), tooltip=[alt.Tooltip("method:N"), alt.Tooltip("figure:N"), alt.Tooltip("value:Q", format=".3f", title=title),
                              alt.Tooltip("lo:Q", format=".3f", title="95% low"),
                              alt.Tooltip("hi:Q", format=".3f", title="95% high")])
    # with an offset channel the step is per figure within a method
    return (bars + points).properties(height=alt.Step(16),
                                      title=f"{title} per method, untuned and cross-validated")


OUTCOME_COLOURS = {"better": "#2a9d4b", "worse": "#d1495b", "same": "#9a9a9a"}


def rank_scatter(per: pd.DataFrame, missing_rank: float, selection: str = "query",
                 top: float | None = None) -> alt.Chart:
    """Baseline rank (x) against current rank (y) per query, both log-scaled, with the
    diagonal: points below it are queries whose target the current configuration ranks
    better. ``per`` is :attr:`core.tuning.Comparison.per_query` (with ``query_text``).
    Clicking a point selects its ``query_id`` (selection parameter ``selection``); ``top`` as
    in :func:`rank_distribution`."""
    top = top or float(max(per["rank"].max(), per["baseline_rank"].max(), 10))
    log = alt.Scale(type="log", domain=[1, top], nice=False)
    pick = alt.selection_point(name=selection, fields=["query_id"], on="click")
    points = alt.Chart(per, name="points").mark_circle(size=70, opacity=0.8).encode(   # a stable view name
        x=alt.X("baseline_rank:Q", scale=log, title=f"Baseline: target rank (log; missing = {missing_rank:g})"),
        y=alt.Y("rank:Q", scale=log, title=f"Current: target rank (log; missing = {missing_rank:g})"),
        color=alt.Color("outcome:N", title="Current vs baseline",
                        scale=alt.Scale(domain=list(OUTCOME_COLOURS), range=list(OUTCOME_COLOURS.values()))),
        size=alt.SizeValue(60, condition={"param": selection, "value": 140}),
        tooltip=[alt.Tooltip("query_id:N", title="query"), alt.Tooltip("query_text:N", title="text"),
                 alt.Tooltip("baseline_rank:Q", title="baseline rank", format=".3g"),
                 alt.Tooltip("rank:Q", title="current rank", format=".3g")],
    ).add_params(pick)
    # how many queries share a point (most often (1, 1)): "×30" beside it, not one dot for 30
    stacked = alt.Chart(per).transform_aggregate(
        n="count()", groupby=["baseline_rank", "rank"]).transform_filter("datum.n > 1").mark_text(
        align="left", dx=9, dy=-9, fontSize=12, fontWeight="bold").encode(
        x=alt.X("baseline_rank:Q", scale=log), y=alt.Y("rank:Q", scale=log),
        text=alt.Text("label:N")).transform_calculate(label="'×' + datum.n")
    # inline values, not a dataset: the spec stays the same while only ``per`` changes
    diagonal = alt.Chart(alt.InlineData(values=[{"r": 1.0}, {"r": top}])).mark_line(color="#888", strokeDash=[4, 4]).encode(
        x=alt.X("r:Q", scale=log), y=alt.Y("r:Q", scale=log))
    return (diagonal + points + stacked).properties(
        height=420, title="Each query's target rank: below the diagonal, the current configuration "
                          "ranks it better (click a point to open it in Query lab)")


def tag_bar_rows(breakdown: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`tag_bars` draws: each tag that holds, labelled with its query count."""
    d = breakdown[breakdown["value"] == 1].copy()
    d["tag"] = d["tag"] + " (" + d["queries"].astype(str) + " queries)"
    return d


def tag_bars(breakdown: pd.DataFrame, metric: str, title: str) -> alt.Chart:
    """``metric`` on the queries whose target has each tag, per configuration, from
    :func:`core.evaluation.tag_breakdown` (rows with ``value`` 1), tags labelled."""
    return tag_chart(tag_bar_rows(breakdown), metric, title)


def tag_chart(rows: pd.DataFrame, metric: str, title: str) -> alt.Chart:
    """:func:`tag_bars` of rows from :func:`tag_bar_rows`."""
    configs = list(dict.fromkeys(rows["config"]))
    return alt.Chart(rows).mark_bar().encode(
        y=alt.Y("tag:N", title="Queries whose target is tagged", axis=alt.Axis(labelLimit=320)),
        yOffset=alt.YOffset("config:N", sort=configs),
        x=alt.X(f"{metric}:Q", title=title, scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("config:N", sort=configs, title="Configuration"),
        tooltip=[alt.Tooltip("config:N"), alt.Tooltip("tag:N"), alt.Tooltip(f"{metric}:Q", format=".3f", title=title)],
    ).properties(height=alt.Step(14), title=f"{title} per query tag")


def sweep_lines(swept: pd.DataFrame, current: float | None, label: str,
                metrics: dict[str, str]) -> alt.Chart:
    """``metrics`` (column → title) of a :func:`core.tuning.sweep` against the swept value,
    the current value marked by a rule. With folds, each fold's training and held-out
    curves are drawn thin (dashed: held-out) behind the curve over every query."""
    long = swept.melt(id_vars=["value", "split", "fold", "config"], value_vars=list(metrics),
                      var_name="metric", value_name="figure")
    long["metric"] = long["metric"].map(metrics)
    colour = alt.Color("metric:N", title="Metric", sort=list(metrics.values()))
    x = alt.X("value:Q", title=label, scale=alt.Scale(zero=False))
    y = alt.Y("figure:Q", title="Figure (higher is better)", scale=alt.Scale(zero=False))
    tooltip = [alt.Tooltip("config:N"), alt.Tooltip("split:N"), alt.Tooltip("metric:N"),
               alt.Tooltip("figure:Q", format=".3f")]
    every = alt.Chart(long[long["split"] == "all"]).mark_line(point=True, strokeWidth=2.5).encode(
        x=x, y=y, color=colour, tooltip=tooltip)
    layers = [every]
    folds = long[long["split"] != "all"]
    if len(folds):
        layers.insert(0, alt.Chart(folds).mark_line(strokeWidth=1, opacity=0.45).encode(
            x=x, y=y, color=colour, detail=alt.Detail("fold:N"),
            strokeDash=alt.StrokeDash("split:N", title="Folds", sort=["train", "held-out"]),
            tooltip=tooltip + [alt.Tooltip("fold:N")]))
    if current is not None:
        layers.append(alt.Chart(pd.DataFrame({"value": [current]})).mark_rule(
            color="#444", strokeDash=[2, 2]).encode(x=alt.X("value:Q")))
    title = "Every query" + (" (thick), and each fold's training and held-out queries (thin)"
                             if len(folds) else "") + "; dotted rule: the current value"
    return alt.layer(*layers).properties(height=360, title=title)


_ALTAIR = threading.Lock()      # Altair's theme and data transformer are global to every thread


def _arrow(data, datasets: dict, sources: dict | None = None) -> dict:
    """An Altair data transformer: the table as Arrow IPC bytes in ``datasets`` (what
    ``st.altair_chart`` sends, so Streamlit passes the bytes on untouched), named by its
    place in the chart, not its content: a chart whose data alone changed keeps its spec,
    and the browser swaps the data into the drawn view instead of drawing it anew.
    ``sources`` records the name under the table's ``id`` (see :func:`spec_with_data`); a
    table two layers share is sent once."""
    if sources is not None and id(data) in sources:
        return {"name": sources[id(data)]}
    name = f"data-{len(datasets)}"
    datasets[name] = _arrow_bytes(data)
    if sources is not None:
        sources[id(data)] = name
    return {"name": name}


alt.data_transformers.register("trl_arrow", _arrow)


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec as ``st.altair_chart`` would send it (no default size, data
    as Arrow), for ``st.vega_lite_chart(spec=...)``: a page that caches it skips building and
    validating the chart (30–80 ms each) when its data has not changed."""
    return _spec_and_sources(chart)[0]


def _spec_and_sources(chart: alt.TopLevelMixin) -> tuple[dict, dict[int, str]]:
    """:func:`vega_spec`, and the name of each dataset by ``id`` of the table it came from."""
    datasets: dict = {}
    sources: dict[int, str] = {}
    with _ALTAIR, alt.theme.enable("none"), alt.data_transformers.enable(
            "trl_arrow", datasets=datasets, sources=sources):
        # not validated against the Vega-Lite schema on every draw (half the cost of a new
        # view): the chart functions' output is checked once by tests/app/test_charts.py
        spec = chart.to_dict(validate=False)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec, sources


_TEMPLATES: dict = {}     # key -> (spec with only its inline datasets, dataset name per table)
_KEPT = 64
_TEMPLATES_LOCK = threading.Lock()


def spec_with_data(key, build, tables: list[pd.DataFrame]) -> dict:
    """``vega_spec(build())``, without building the chart when only its data changed.

    The first call for ``key`` builds the chart and remembers its spec and which of ``tables``
    (by identity) each dataset is; a later call with the same ``key`` puts the new ``tables``'
    Arrow bytes into that spec (a millisecond, where Altair takes 5–10 ms a chart). ``key``
    must fix everything else the chart shows (titles, scales, sort orders); a chart with a
    dataset not among ``tables`` is always built anew.
    """
    with _TEMPLATES_LOCK:
        kept = _TEMPLATES.get(key)
    if kept is None:
        spec, sources = _spec_and_sources(build())
        names = [sources.get(id(t)) for t in tables]
        if set(names) != set(sources.values()) or None in names:
            return spec
        constant = {k: v for k, v in spec["datasets"].items() if k not in names}   # inline values
        with _TEMPLATES_LOCK:
            _TEMPLATES[key] = ({**spec, "datasets": constant}, names)
            while len(_TEMPLATES) > _KEPT:
                _TEMPLATES.pop(next(iter(_TEMPLATES)))
        return spec
    template, names = kept
    return {**template, "datasets": {**template["datasets"],
                                     **{name: _arrow_bytes(t) for name, t in zip(names, tables)}}}


def _arrow_bytes(data) -> bytes:
    table = pa.Table.from_pandas(pd.DataFrame(data), preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()
