"""Comments as pseudo-queries: the filters on fixtures, the held-aside split, and the
corpus view a pseudo-query is scored against (its own comment left out)."""
import pandas as pd
import pytest

from core.engine import Engine
from core.evaluation import per_query
from core.config import Config
from core.pseudo_queries import (AUTHOR, POSITION_KEY, Filters, as_queries, held_aside, own_comments,
                                 pick, rejection)
from core.store import load_corpus, write_corpus

DESCRIPTIVE = "grey cat pushes a water glass off the table"


@pytest.mark.parametrize("text, reason", [
    ("😂😂😂😂😂", "length"),
    ("first", "length"),
    ("#fyp #cats #viral #foryou", "length"),
    ("@maria look at this cat knocking the glass", "mention"),
    ("the cat jumps at 0:32 onto the glass table", "timestamp"),
    ("see https://example.com for the cat glass video", "link"),
    ("this is so true omg lol", "content"),
    (DESCRIPTIVE, None),
    ("the grey cat walks along the kitchen table and pushes the glass off", "length"),
    ("Luffy finally uses gear five against Kaido 🔥", None),
])
def test_rejection_reasons(text, reason):
    assert rejection(text) == reason


def comments_frame(rows):
    return pd.DataFrame([{"video_id": v, "position": p, "comment_text": t, "like_count_n": likes}
                         for v, p, t, likes in rows])


def test_pick_keeps_descriptive_comments_and_drops_the_rest():
    descriptions = {"1": "my cat vs the glass #cats", "2": "corgi zoomies at the beach #dogs"}
    df = comments_frame([
        ("1", 0, DESCRIPTIVE, 5),
        ("1", 1, "😹😹😹", 100),
        ("1", 2, "@friend this is literally your cat with the glass", 50),
        ("1", 3, "The grey cat pushes a glass off the table!!", 1),   # near-duplicate
        ("1", 4, "the best video i have seen today", 3),             # under video 2 too
        ("2", 0, "the best video i have seen today", 3),
        ("2", 1, "corgi zoomies at the beach dogs", 9),                              # the description
        ("2", 2, "his tiny legs running through the sand", 2),
        ("3", 0, "a comment of a video that cannot be a target", 1),
    ])
    out = pick(df, descriptions).set_index(["video_id", "position"])["reason"]
    assert out[("1", 0)] is None and out[("2", 2)] is None
    assert out[("1", 1)] == "length" and out[("1", 2)] == "mention"
    assert out[("1", 3)] == "duplicate"
    assert out[("1", 4)] == "generic" and out[("2", 0)] == "generic"
    assert out[("2", 1)] == "description"
    assert ("3", 0) not in out.index
    assert int(out.isna().sum()) == 2


def test_pick_keeps_the_most_liked_up_to_the_quota():
    texts = ["the drummer plays a solo on pots and pans", "kids in the kitchen banging pots loudly",
             "a toddler conducting an orchestra of saucepans"]
    df = comments_frame([("1", p, t, likes) for p, (t, likes) in enumerate(zip(texts, (1, 30, 20)))])
    out = pick(df, {"1": ""}, Filters(per_video=2)).set_index("position")["reason"]
    assert out.tolist() == ["quota", None, None]
    again = pick(df.sample(frac=1, random_state=3), {"1": ""}, Filters(per_video=2))
    assert again.set_index("position")["reason"].tolist() == out.tolist()   # order-independent


def test_held_aside_splits_by_video_deterministically():
    kept = pd.DataFrame({"video_id": [str(v) for v in range(200) for _ in range(2)],
                         "position": [p for _ in range(200) for p in range(2)],
                         "comment_text": "x"})
    tune, held = held_aside(kept, 0.25, seed=1)
    assert len(tune) + len(held) == len(kept)
    assert not set(tune["video_id"]) & set(held["video_id"])
    assert 30 <= held["video_id"].nunique() <= 70
    assert held.equals(held_aside(kept, 0.25, seed=1)[1])
    assert not held.equals(held_aside(kept, 0.25, seed=2)[1])
    with pytest.raises(ValueError):
        held_aside(kept, 1.0)


def test_query_entries_carry_their_comment():
    kept = pd.DataFrame({"video_id": ["7"], "position": [3], "comment_text": ["  a cat\n on a table "]})
    [entry] = as_queries(kept)
    assert entry["text"] == "a cat on a table" and entry["target"] == "7" and entry["author"] == AUTHOR
    assert own_comments([entry, {"text": "real", "target": "8"}]) == {("7", 3)}


def test_own_comment_is_absent_from_the_index_it_is_scored_against(tmp_path):
    """The only document with 'zebra' has it in one comment; as a pseudo-query that comment
    would find its video first, but scored against the corpus without it, it cannot."""
    db = tmp_path / "tiktoks.db"
    docs = [{"id": str(i), "description": d, "speech_to_text": "talking", "coverphoto_ocr": "", "usable": 1}
            for i, d in ((1, "a day at the zoo"), (2, "zebra crossing in london"), (3, "cooking pasta"))]
    comments = [{"video_id": "1", "position": 0, "comment_text": "that striped zebra eating grass"},
                {"video_id": "1", "position": 1, "comment_text": "lovely animals"}]
    write_corpus(db, docs, comments, meta={"normalisation": "default"})
    kept = pick(pd.DataFrame(comments), {"1": "a day at the zoo"}, Filters(min_words=2, min_content=1))
    entries = as_queries(kept[kept["reason"].isna()])
    assert [e["text"] for e in entries] == ["that striped zebra eating grass", "lovely animals"]
    own = own_comments(entries)
    full, view = load_corpus(db), load_corpus(db, exclude_comments=own)
    assert "zebra" in full.docs.set_index("id").loc["1", "comment_text"]
    assert view.docs.set_index("id").loc["1", "comment_text"] == ""
    assert view.docs.drop(columns="comment_text").equals(full.docs.drop(columns="comment_text"))
    queries = pd.DataFrame({"query_id": [1], "query_text": ["striped zebra"], "target_id": ["1"]})
    config = Config.parse("word.all.noattr.bm25")
    assert per_query(Engine(full), config, queries)["rank"].iloc[0] == 1
    assert per_query(Engine(view), config, queries)["rank"].iloc[0] > 1
    assert POSITION_KEY in entries[0]


def test_own_comments_take_only_real_positions():
    """A position of true was read as 1, and one past SQLite's integers crashed evaluate."""
    from core.pseudo_queries import POSITION_KEY, own_comments

    entries = [{"target": "1", POSITION_KEY: 0}, {"target": "2", POSITION_KEY: True},
               {"target": "3", POSITION_KEY: 2**70}, {"target": "4", POSITION_KEY: -1},
               {"target": "5", POSITION_KEY: 3}]
    assert own_comments(entries) == {("1", 0), ("5", 3)}
