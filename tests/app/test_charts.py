"""ui/charts: the charts' data, sort orders, titles and scales, read from their Vega-Lite specs
(the pages drawing them: test_pages.py)."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from ui.charts import ci_chart, heatmap, index_bars, parallel_coordinates, rank_distribution


def dataset(spec: dict, column: str) -> pd.DataFrame:
    """The one dataset of a chart's spec that has ``column``."""
    found = [pd.DataFrame(v) for v in spec["datasets"].values() if column in pd.DataFrame(v)]
    assert len(found) == 1, f"{len(found)} datasets with {column}"
    return found[0]


def grid() -> pd.DataFrame:
    rows = [(t, f, a, w) for t in ("5gram", "word", "10gram") for f in ("sr+ocr", "basic", "weird")
            for a in ("attr", "noattr") for w in ("bpx", "tfc")]
    df = pd.DataFrame(rows, columns=["tokenisation", "fields", "attribution", "weighting"])
    return df.assign(config=[f"c{i}" for i in range(len(df))], value=range(len(df)))


def test_heatmap_sorts_tokenisations_and_fields_and_facets():
    spec = heatmap(grid(), "value", "MRR", higher_better=True).to_dict()
    assert spec["title"] == "MRR by tokenisation and fields"
    assert spec["facet"]["row"]["field"] == "attribution" and spec["facet"]["column"]["field"] == "weighting"
    rect = spec["spec"]["layer"][0]["encoding"]
    assert rect["x"]["sort"] == ["basic", "sr+ocr", "weird"]   # the study's order, unknown ones last
    assert rect["y"]["sort"] == ["word", "5gram", "10gram"] and rect["y"]["title"] == "Tokenisation"
    assert rect["x"]["title"] == "Fields (basic + enrichment)" and rect["color"]["scale"]["reverse"] is False
    lower = heatmap(grid(), "value", "Mean rank", higher_better=False, row=None, column=None).to_dict()
    assert "facet" not in lower and lower["layer"][0]["encoding"]["color"]["scale"]["reverse"] is True


def long_ranks() -> pd.DataFrame:
    return pd.DataFrame({"config": ["A"] * 3 + ["B"] * 3, "query_id": [1, 2, 3] * 2,
                         "rank": [1.0, 3.0, 50.0, 2.0, 2.0, 4.0], "rank_lo": [1.0, 3.0, None, 2.0, 2.0, 4.0]})


def test_ecdf_of_target_ranks_by_hand():
    spec = rank_distribution(long_ranks(), "ecdf", missing_rank=50).to_dict()
    d = dataset(spec, "share")
    # A's third target is missing: it never reaches the curve, which stops at 2/3
    assert d[["config", "rank", "share"]].values.tolist() == [["A", 1.0, 1 / 3], ["A", 3.0, 2 / 3],
                                                              ["B", 2.0, 1 / 3], ["B", 2.0, 2 / 3], ["B", 4.0, 1.0]]
    assert spec["encoding"]["x"]["scale"] == {"type": "log", "domain": [1, 10], "nice": False}


def test_violin_and_box_of_target_ranks():
    violin = rank_distribution(long_ranks(), "violin", missing_rank=50).to_dict()
    assert violin["transform"][0]["extent"] == [0, pytest.approx(math.log10(50))]
    assert dataset(violin, "log_rank")["log_rank"].tolist() == pytest.approx([0, math.log10(3), math.log10(50),
                                                                               math.log10(2), math.log10(2), math.log10(4)])
    box = rank_distribution(long_ranks(), "box", missing_rank=50).to_dict()
    assert box["mark"]["type"] == "boxplot" and box["encoding"]["y"]["scale"] == {"type": "log"}
    assert box["encoding"]["y"]["title"] == "Target rank (log scale)"   # longer was cut off
    assert box["title"]["subtitle"] == "A missing rank counts as 50."
    assert box["encoding"]["x"]["sort"] == ["A", "B"]


def test_parallel_coordinates_by_hand():
    summary = pd.DataFrame({"experiment_id": [1, 2, 3], "tokenisation": ["4gram", "word", "word"],
                            "fields": ["basic", "sr", "basic"], "attribution": ["attr", "noattr", "attr"],
                            "weighting": ["bpx", "bpx", "tfc"], "config": ["a", "b", "c"], "mrr": [0.5, 0.7, 0.6]})
    spec = parallel_coordinates(summary, "mrr", "MRR", higher_better=True, top=1).to_dict()
    lines = dataset(spec, "top").pivot(index="experiment_id", columns="axis", values="pos")
    # categories evenly on [0, 1] in their order (word before 4gram, noattr before attr); MRR min-max
    assert lines.values.tolist() == [[1, 0, 1, 0, 0], [0, 1, 0, 0, 1], [0, 0, 1, 1, 0.5]]
    top = dataset(spec, "top").drop_duplicates("experiment_id").set_index("experiment_id")["top"]
    assert top.to_dict() == {1: False, 2: True, 3: False}
    labels = dataset(spec, "label")
    assert labels[labels["axis"] == 4]["label"].tolist() == ["0.5", "0.7"]
    assert spec["title"] == "Each experiment as a line; the best 1 by MRR highlighted"
    # the labels are drawn twice, a white halo under the text, so lines crossing them don't hide them
    texts = [layer["mark"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert [m.get("stroke") for m in texts] == ["white", None]
    lower = parallel_coordinates(summary, "mrr", "MRR", higher_better=False, top=1).to_dict()
    assert dataset(lower, "top").drop_duplicates("experiment_id")["top"].tolist() == [True, False, False]


def test_index_bars_sort_and_facet():
    spec = index_bars(grid(), "value", "Vocabulary", ",d").to_dict()
    assert spec["encoding"]["x"]["sort"] == ["basic", "sr+ocr", "weird"]
    assert spec["encoding"]["xOffset"]["sort"] == ["word", "5gram", "10gram"]
    assert spec["encoding"]["column"]["field"] == "attribution" and spec["title"] == "Vocabulary"


def test_ci_chart_colours_and_titles():
    df = pd.DataFrame({"method": ["B", "B", "A"], "figure": ["untuned default", "cross-validated", "other"],
                       "value": [0.5, 0.6, 0.4], "lo": [0.4, 0.5, 0.3], "hi": [0.6, 0.7, 0.5]})
    spec = ci_chart(df, "MRR").to_dict()
    enc = spec["layer"][0]["encoding"]
    assert enc["color"]["scale"] == {"domain": ["untuned default", "cross-validated", "other"],
                                     "range": ["#8c8c8c", "#1f6fb4", "#e45756"]}
    assert enc["y"]["sort"] == ["B", "A"] and enc["x"]["title"] == "MRR (higher is better; bars: bootstrap 95% CI)"
    assert "lower is better" in ci_chart(df, "Mean rank", higher_better=False).to_dict()["layer"][0]["encoding"]["x"]["title"]
    assert spec["title"] == "MRR per method, untuned and cross-validated"


def test_vega_spec_carries_the_data_as_arrow_and_no_default_size():
    """What the Tune page caches: the spec ``st.altair_chart`` would send, its data as Arrow
    IPC bytes that read back as the chart's rows, without Altair's default 300×300 view."""
    import pyarrow as pa

    from ui.charts import vega_spec
    spec = vega_spec(rank_distribution(long_ranks(), "box", 1000.0))
    tables = [pa.ipc.open_stream(raw).read_all().to_pandas() for raw in spec["datasets"].values()]
    assert all(isinstance(raw, bytes) for raw in spec["datasets"].values())
    data = next(t for t in tables if "config" in t)
    assert sorted(data["config"]) == ["A"] * 3 + ["B"] * 3
    assert "continuousWidth" not in str(spec.get("config", {}))
    assert spec["data"]["name"] in spec["datasets"]


def test_the_tune_pages_charts_are_valid_vega_lite(tiny_db):
    """vega_spec skips Altair's schema validation on every draw; this is where the charts
    the Tune page draws through it are validated, on real per-query figures."""
    from core.config import STUDY_BEST, Config
    from core.engine import Engine
    from core.evaluation import per_query, tag_breakdown
    from core.store import load_queries
    from core.tuning import compare
    from ui.charts import rank_scatter, tag_bars

    engine, queries = Engine.from_db(tiny_db), load_queries(tiny_db)
    current = per_query(engine, Config.parse("word.sr+ocr+c.noattr.bm25"), queries)
    base = per_query(engine, STUDY_BEST, queries)
    cmp = compare(current, base, queries)
    long = pd.concat([current.assign(config="current"), base.assign(config="baseline")], ignore_index=True)
    bd = tag_breakdown({"current": current, "baseline": base}, metrics=("mrr",))
    charts = [rank_distribution(long, "ecdf", 5), rank_distribution(long, "box", 5),
              rank_scatter(cmp.per_query, 5), tag_bars(bd, "mrr", "MRR")]
    for chart in charts:
        chart.to_dict(validate=True)        # raises on a spec Vega-Lite's schema rejects


def test_spec_with_data_equals_building_the_chart_and_skips_building_it_again(tiny_db):
    """The Tune page's charts after a slider move: the remembered spec with the new data
    equals the spec of the chart built from scratch, and the chart is not built again."""
    from core.config import STUDY_BEST, Config
    from core.engine import Engine
    from core.evaluation import per_query
    from core.store import load_queries
    from core.tuning import compare
    from ui.charts import rank_scatter, spec_with_data, vega_spec

    engine, queries = Engine.from_db(tiny_db), load_queries(tiny_db)
    base = per_query(engine, STUDY_BEST, queries)
    built = []

    def scatter(per):
        built.append(per)
        return rank_scatter(per, 5.0, top=20.0)

    specs = []
    for config in ("word.sr+ocr+c.noattr.bm25", "word.basic.noattr.bxx", "2gram.basic.noattr.bpx"):
        current = per_query(engine, Config.parse(config), queries)
        per = compare(current, base, queries).per_query
        spec = spec_with_data(("test-scatter", 5.0, 20.0), lambda: scatter(per), [per])
        assert spec == vega_spec(rank_scatter(per, 5.0, top=20.0))
        specs.append(spec)
    assert len(built) == 1                                   # built once, then only data swapped
    assert len({s["datasets"]["data-0"] for s in specs}) == 3   # and the data did change
    assert {k: v for k, v in specs[0].items() if k != "datasets"} == \
        {k: v for k, v in specs[2].items() if k != "datasets"}


def test_spec_with_data_builds_a_chart_whose_data_it_was_not_given():
    from ui.charts import rank_distribution, spec_with_data
    built = []

    def ecdf():   # derives its own table from long_ranks(): not one of the tables passed
        built.append(1)
        return rank_distribution(long_ranks(), "ecdf", 50, 1000.0)

    for _ in range(2):
        spec_with_data(("test-ecdf",), ecdf, [long_ranks()])
    assert len(built) == 2


def test_the_rank_scatter_says_how_many_queries_share_a_point():
    """30 of 35 demo queries sat on one dot at (1, 1): it looked like five queries."""
    import pandas as pd
    import vl_convert

    from ui.charts import rank_scatter

    per = pd.DataFrame({"query_id": [1, 2, 3, 4], "query_text": ["a", "b", "c", "d"],
                        "baseline_rank": [1.0, 1.0, 1.0, 4.0], "rank": [1.0, 1.0, 1.0, 2.0],
                        "outcome": ["same", "same", "same", "better"]})
    svg = vl_convert.vegalite_to_svg(rank_scatter(per, 5.0).to_json())
    assert "×3" in svg and "×1" not in svg
