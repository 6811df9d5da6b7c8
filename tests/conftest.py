"""Shared fixtures: small corpora built by code (never copied from the study data)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.grid import run_grid
from core.index import TokenisedCorpus
from core.store import load_corpus, load_queries, write_corpus, write_results

import os

# where the 2022 study data may be: $TRL_STUDY, then ../shared/study2022 beside the checkout,
# then the workplace's shared folder (CI runs from a clone elsewhere)
STUDY_CANDIDATES = [Path(p) for p in (os.environ.get("TRL_STUDY"),) if p] + [
    Path(__file__).resolve().parents[1].parent / "shared" / "study2022",
    Path("/work/shared/study2022"),
]
STUDY_DIR = next((p for p in STUDY_CANDIDATES if (p / "queries.json").exists()), STUDY_CANDIDATES[0])

# (id, username, nickname, description, music, speech, ocr, [comments])
TINY_DOCS = [
    ("1001", "@chefmaria", "Maria Cooks", "5 minute garlic pasta 🍝 #cooking #pasta", "original sound - Maria",
     "today we make garlic butter pasta in five minutes", "GARLIC PASTA HACK", ["looks delicious", "adding chili flakes next time"]),
    ("1002", "@animefan", "Otaku Ken", "luffy vs kaido reaction #onepiece #anime", "We Are! - One Piece",
     "oh my god luffy gear five", "GEAR 5 REACTION", ["peak fiction", "the drums of liberation"]),
    ("1003", "@catlover", "Whiskers", "my cat knocks the glass off the table 😹 #cats", "Oh No - Kreepa",
     "no no no don't do it", "", ["cats are chaos", "he looked right at you"]),
    ("1004", "@physicsguy", "Ibrahim", "when you have to publish by 11:59 pm #science #academia", "original sound - Ibrahim",
     "reviewer two strikes again", "DEADLINE MODE", ["nah that's just a t-test", "reviewer 2 is always the worst"]),
    ("1005", "@gamerjoe", "Joe Plays", "speedrun world record attempt mario 64 #gaming", "original sound - Joe",
     "backwards long jump across the stairs", "WORLD RECORD??", ["that BLJ was clean", "stairs go brrr"]),
    ("1006", "@dndnerd", "Critical Hit", "when the party finds a door #dnd #ttrpg", "Dramatic Music",
     "i cast knock on the door at the top of the stairs", "D&D PLAYERS BE LIKE", ["every session", "just open the door"]),
    ("1007", "@chefmaria", "Maria Cooks", "the crispiest roast potatoes #cooking", "original sound - Maria",
     "parboil then shake the potatoes", "CRISPY POTATOES", ["goose fat is the secret", "yum"]),
    ("1008", "@singer", "Bella", "jingle bells cover 🎄 #christmas #cover", "Jingle Bells - Bella",
     "jingle bells jingle all the way", "RATING MUGIWARA SINGING JINGLE BELLS", ["her voice!", "merry christmas"]),
    ("1009", "@dogdad", "Max the Corgi", "corgi zoomies at the beach 🐶 #dogs", "Happy - Pharrell",
     "look at him go", "ZOOMIES", ["his little legs", "corgi butt"]),
    ("1010", "@fitcoach", "Coach Sam", "30 day plank challenge day 12 #fitness", "Eye of the Tiger",
     "keep your core tight", "DAY 12", ["my arms are shaking", "you got this"]),
]
TINY_QUERIES = [
    ("garlic pasta quick recipe", "1001", "ann"),
    ("cat pushing glass off table", "1003", "ann"),
    ("dnd players stairs door", "1006", "bo"),
    ("one piece jingle bells", "1008", "bo"),
    ("corgi running on beach", "1009", "cy"),
    ("scientist deadline meme", "1004", "cy"),
]


def tiny_rows():
    tiktoks, comments = [], []
    for (i, user, nick, desc, music, sr, ocr, cms) in TINY_DOCS:
        tiktoks.append({"id": i, "creator_username": user, "creator_nickname": nick, "description": desc,
                        "music_title": music, "speech_to_text": sr, "coverphoto_ocr": ocr,
                        "like_count": "1.2K", "like_count_n": 1200, "usable": 1})
        comments += [{"video_id": i, "position": p, "comment_text": t, "commenter_name": f"@u{p}"}
                     for p, t in enumerate(cms)]
    # one unusable document (no transcript): never indexed
    tiktoks.append({"id": "1011", "creator_username": "@ghost", "description": "garlic pasta", "usable": 0})
    queries = [{"query_id": n, "query_text": t, "target_id": d, "author": a, "useful_description": 1,
                "comments_on_topic": 0, "purely_visual": 0, "important_lyrics": 0, "subtextual": 0,
                "collection": "tiny"} for n, (t, d, a) in enumerate(TINY_QUERIES, start=1)]
    return tiktoks, comments, queries


@pytest.fixture
def tiny_db(tmp_path) -> Path:
    """A real tiktoks.db with 10 usable documents, 1 unusable and 6 queries."""
    path = tmp_path / "tiktoks.db"
    write_corpus(path, *tiny_rows(), meta={"normalisation": "default"})
    return path


@pytest.fixture
def tiny_results(tiny_db, tmp_path) -> Path:
    """A real results.db: the study's grid (words and 4-grams) run on the tiny corpus."""
    from core.grid import study_index_configs
    path = tmp_path / "results.db"
    source = TokenisedCorpus(load_corpus(tiny_db))
    queries = load_queries(tiny_db)
    r = run_grid(source, queries, study_index_configs(("word", "4gram")))
    write_results(path, r.indexes, r.experiments, queries, r.rankings,
                  {"mode": source.mode, "documents": len(source.corpus), "grid_seconds": r.seconds})
    return path


# harder, partly ambiguous queries on the tiny corpus: the six above are ranked first by most
# configurations, which would make comparisons between configurations trivially equal
HARD = [("cooking video", "1007"), ("original sound", "1004"), ("stairs", "1005"), ("maria cooks", "1007"),
        ("the door", "1006"), ("day 12", "1010"), ("music cover", "1008"), ("cats knock glass", "1003"),
        ("reaction video", "1002"), ("pasta", "1001"), ("legs", "1009"), ("chili", "1001"),
        ("record attempt", "1005"), ("potato hack", "1007")]


@pytest.fixture
def hard_db(tmp_path) -> Path:
    """The tiny corpus with the :data:`HARD` queries (authors and tags varied)."""
    tiktoks, comments, _ = tiny_rows()
    queries = [{"query_id": i, "query_text": q, "target_id": d, "author": "ann" if i % 2 else "bo",
                "useful_description": int(i % 3 == 0), "comments_on_topic": int(i % 2 == 0),
                "purely_visual": int(i % 5 == 0), "important_lyrics": 0, "subtextual": int(i % 4 == 0),
                "collection": "hard"} for i, (q, d) in enumerate(HARD, start=1)]
    path = tmp_path / "hard.db"
    write_corpus(path, tiktoks, comments, queries, meta={"normalisation": "default"})
    return path


@pytest.fixture(scope="session")
def study_dir() -> Path:
    """The 2022 study's public data; tests that need it skip with a reason when it is absent."""
    if not (STUDY_DIR / "queries.json").exists():
        pytest.skip("2022 study data not found (looked in "
                    f"{', '.join(map(str, STUDY_CANDIDATES))}; set TRL_STUDY to a clone of the study)")
    return STUDY_DIR


def _environ(name: str, value) -> Iterator:
    """Set an environment variable for the session (processes tests start inherit it)."""
    before = os.environ.get(name)
    os.environ[name] = str(value)
    yield value
    if before is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = before


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(tmp_path_factory) -> Iterator[Path]:
    """Every test (and every process a test starts) shares one embedding cache of its own,
    never the checkout's data/embeddings.sqlite."""
    yield from _environ("TRL_EMBED_CACHE", tmp_path_factory.mktemp("embeddings") / "embeddings.sqlite")


@pytest.fixture(scope="session", autouse=True)
def index_cache(tmp_path_factory) -> Iterator[Path]:
    """The same for the tokenised-corpus cache (never the checkout's data/index-cache)."""
    yield from _environ("TRL_INDEX_CACHE", tmp_path_factory.mktemp("index-cache"))
