"""pipeline.pseudo_queries on a real corpus database: files in the study's format, a
held-aside split by video, clear errors."""
import json

import pandas as pd
import pytest

from core.pseudo_queries import AUTHOR, POSITION_KEY
from core.store import write_corpus
from pipeline import pseudo_queries
from pipeline.evaluate import read_queries

WORDS = "apple banana cherry damson elder fig grape hazel iris juniper kale lemon mango".split()


def corpus(tmp_path, videos: int = 40):
    """Videos with one descriptive comment, one emoji comment and one mention each."""
    docs, comments = [], []
    for v in range(videos):
        vid = str(5000 + v)
        docs.append({"id": vid, "description": f"video number {v}", "speech_to_text": "hello",
                     "coverphoto_ocr": "", "usable": 1})
        words = f"{WORDS[v % len(WORDS)]} {''.join(chr(97 + int(d)) for d in str(v))}x"   # unique per video
        comments += [{"video_id": vid, "position": 0, "comment_text": f"the one with {words} on the kitchen table"},
                     {"video_id": vid, "position": 1, "comment_text": "😂😂😂"},
                     {"video_id": vid, "position": 2, "comment_text": "@pal this is you with the fruit"}]
    path = tmp_path / "tiktoks.db"
    write_corpus(path, docs, comments, meta={"normalisation": "default"})
    return path


def test_writes_a_tuning_and_a_held_aside_query_file(tmp_path, capsys):
    db = corpus(tmp_path)
    out, held = tmp_path / "q.json", tmp_path / "held.json"
    assert pseudo_queries.main(["--db", str(db), "--out", str(out), "--held-aside-out", str(held),
                                "--held-aside-fraction", "0.3", "--seed", "4"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    tune, aside = json.loads(out.read_text()), json.loads(held.read_text())
    assert summary["queries"] == len(tune) and summary["held_aside"] == len(aside) and len(tune) + len(aside) == 40
    assert summary["removed"]["length"] == 40 and summary["removed"]["mention"] == 40
    assert 0 < len(aside) < 40 and not {q["target"] for q in tune} & {q["target"] for q in aside}
    assert all(q["author"] == AUTHOR and q[POSITION_KEY] == 0 for q in tune + aside)
    rows, problems = read_queries(out)          # the study's format, as pipeline.evaluate reads it
    assert not problems and len(rows) == len(tune)
    again = tmp_path / "again.json"
    pseudo_queries.main(["--db", str(db), "--out", str(again), "--held-aside-out", str(tmp_path / "h2.json"),
                         "--held-aside-fraction", "0.3", "--seed", "4"])
    assert again.read_text() == out.read_text()


def test_a_database_without_comments_is_an_error(tmp_path, capsys):
    db = tmp_path / "empty.db"
    write_corpus(db, [{"id": "1", "description": "x", "usable": 1}], [])
    assert pseudo_queries.main(["--db", str(db), "--out", str(tmp_path / "q.json")]) == 2
    assert "no comments" in capsys.readouterr().err
    assert not (tmp_path / "q.json").exists()


def test_missing_database(tmp_path, capsys):
    assert pseudo_queries.main(["--db", str(tmp_path / "nope.db"), "--out", str(tmp_path / "q.json")]) == 2
    assert "no corpus database" in capsys.readouterr().err


def test_evaluate_scores_pseudo_queries_without_their_own_comments(tmp_path, capsys):
    """Each pseudo-query is its video's only comment with its words: against the full
    corpus it would rank its video first; pipeline.evaluate scores it without that comment."""
    from pipeline import evaluate
    db = corpus(tmp_path)
    out = tmp_path / "q.json"
    pseudo_queries.main(["--db", str(db), "--out", str(out)])
    entries = json.loads(out.read_text())
    config = ["--config", "word.c.noattr.bm25"]    # comments are all it indexes besides the basics
    assert evaluate.main(["--db", str(db), "--queries", str(out), *config]) == 0
    scored = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    plain = tmp_path / "plain.json"      # the same queries, as if real: nothing left out
    plain.write_text(json.dumps([{k: v for k, v in e.items() if k != POSITION_KEY} for e in entries]))
    assert evaluate.main(["--db", str(db), "--queries", str(plain), *config]) == 0
    leaked = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scored["queries"] == leaked["queries"] == 40
    assert leaked["success_at_1"] >= 0.9 and scored["success_at_1"] <= 0.1, (leaked, scored)


def test_best_tunes_on_pseudo_queries_and_confirms_on_the_db_queries(tmp_path, capsys, index_cache):
    """--tune-queries FILE, and 'auto' (the db's comments, when there are 200 or more): the
    configuration comes from core.transfer's rule, cached by content (a copy of the database
    at another path reads the choice instead of tuning again)."""
    import core.families as fam
    from core.crossval import ScoreTable
    from core.engine import Engine
    from core.store import load_corpus, load_queries
    from core.transfer import pseudo_confirmed_tuner
    from pipeline import evaluate
    db = corpus(tmp_path, videos=300)
    out, held = tmp_path / "q.json", tmp_path / "held.json"
    pseudo_queries.main(["--db", str(db), "--out", str(out), "--held-aside-out", str(held)])
    capsys.readouterr()
    small = [f for f in fam.families() if not f.dense][1:3]          # two BM25 families
    args = ["--db", str(db), "--queries", str(held), "--config", "best", "--families",
            *(f.name for f in small)]
    assert evaluate.main(args + ["--tune-queries", str(out)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    entries = json.loads(out.read_text())
    assert result["tuning"]["queries"] == len(entries) > 200 and result["queries"] == 300 - len(entries)
    tuning = pd.DataFrame(read_queries(out)[0])
    view = Engine(load_corpus(db, exclude_comments={(e["target"], e[POSITION_KEY]) for e in entries}))
    expected = pseudo_confirmed_tuner(ScoreTable(view, tuning), ScoreTable(Engine.from_db(db), load_queries(db)),
                                      {f.name: list(f.candidates) for f in small})(load_queries(db))
    assert result["config"] == expected
    kept = [f for f in index_cache.glob("best-*.json") if json.loads(f.read_text()).get("pseudo_queries")]
    assert len(kept) == 1 and json.loads(kept[0].read_text())["config"] == expected
    other = next(c for f in small for c in f.candidates if c != expected)   # marks the kept choice
    kept[0].write_text(json.dumps({**json.loads(kept[0].read_text()), "config": other}))
    copy = tmp_path / "elsewhere" / "tiktoks.db"
    copy.parent.mkdir()
    copy.write_bytes(db.read_bytes())
    assert evaluate.main(["--db", str(copy), *args[2:], "--tune-queries", str(out)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["config"] == other
    kept[0].write_text(json.dumps({**json.loads(kept[0].read_text()), "config": expected}))
    assert evaluate.main(args) == 0                                   # auto: the same pseudo-queries
    auto = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert auto["config"] == expected and auto["tuning"]["queries"] == len(entries)
    assert evaluate.main(args + ["--tune-queries", "own"]) == 2      # the db has no queries of its own
    assert "no queries of its own" in capsys.readouterr().err
    assert evaluate.main(args[:5] + ["word.all.noattr.bm25", "--tune-queries", str(out)]) == 2


def test_an_output_over_an_input_or_the_other_output_is_refused(tmp_path, capsys):
    """--out naming the corpus wrote JSON over it; --out and --held-aside-out naming one file
    left the held-aside set where the summary said the tuning set was."""
    db = corpus(tmp_path)
    before = db.read_bytes()
    assert pseudo_queries.main(["--db", str(db), "--out", str(db)]) == 2
    assert "is a SQLite database: refusing to overwrite it with text" in capsys.readouterr().err
    same = tmp_path / "same.json"
    assert pseudo_queries.main(["--db", str(db), "--out", str(same), "--held-aside-out", str(same)]) == 2
    assert "--held-aside-out" in capsys.readouterr().err and not same.exists()
    assert db.read_bytes() == before


@pytest.mark.parametrize("bad, says", [
    (["--similarity", "200"], "'200': must be a percentage from 0 to 100"),
    (["--min-words", "0"], "'0': must be a whole number of 1 or more"),
    (["--min-words", "10", "--max-words", "4"], "--min-words 10 is more than --max-words 4"),
    (["--held-aside-fraction", "1.5"], "'1.5': must be between 0 and 1"),
    (["--held-aside-fraction", "0.3"], "--held-aside-fraction needs --held-aside-out"),
])
def test_options_that_could_only_give_nothing_are_refused(bad, says, tmp_path, capsys):
    """--similarity 200 and --min-words above --max-words wrote 0 queries and exit 0; a
    --held-aside-fraction without --held-aside-out was ignored without a word."""
    db = corpus(tmp_path)
    with pytest.raises(SystemExit) as e:
        pseudo_queries.main(["--db", str(db), "--out", str(tmp_path / "q.json"), *bad])
    assert e.value.code == 2 and says in capsys.readouterr().err
    assert not (tmp_path / "q.json").exists()
