"""Write a deterministic synthetic corpus of N TikToks and its known-item queries.

    python -m pipeline.demo.scale --docs 100000 --out /tmp/scale/100k

DIR/tiktoks.db has the corpus schema (:mod:`core.store`: tiktoks, comments, queries, meta)
and DIR/queries.json the queries in the 2022 study's format. Nothing is copied from the
study: the text is generated, only its *statistics* follow the 2022 corpus (3,100 scraped
records), so that index sizes and query costs grow as a real crawl's would:

* words per field (log-normal, with the share of empty fields): description median 11
  (p90 ≈ 21, 3 % empty), nickname 1-3, music title "original sound - <nickname>" or a few
  title words and an artist, cover OCR 43 % empty else median 10, speech 67 % empty else
  median 30; comments per video 20 (the scrape's cap) for 80 %, 1-19 for 13 %, none for 7 %;
  words per comment median 8;
* a Zipfian vocabulary of 266,304 generated words (frequent words short), with hashtags
  (a third of description tokens), emoji (5 %) and misspellings (2-4 % of tokens, more in
  comments);
* each video is about a few *keywords* (mid-frequency words, Zipfian, so popular topics are
  shared by many videos as N grows) which its fields repeat among background words, a fifth
  of the time as the keyword's synonym (the word paired with it).

Known-item queries are written from random targets the way the study's participants wrote
them: 2-6 words, mostly some of the target's keywords (partial recall), a third of those
paraphrased by their synonym, some misspelt, mixed with frequent words ("funny video").
The same ``--seed`` and ``--docs`` give the same files; documents are generated in chunks
of 20,000 with vectorised numpy and written with bulk inserts, so a million takes minutes.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
import uuid
from pathlib import Path

import numpy as np

from core.store import atomic_database, create_corpus_schema
from pipeline.config import HelpFormatter, count, positive_int, run_cli

CHUNK = 20_000
SYLLABLES = [c + v for c in "bdfghjklmnprstvz" for v in "aeio"]          # 64
EMOJI = list("😂🤣😭💀🔥❤😍🥺✨🙏😅👀🤔😊💯🎉😩🥰😳🙌👏😎💕😢🤯😆🤩🐶🐱🍕🎄⚽🎮📚💪🌈🎵🍝")
KEYWORDS, SYNONYM_RATE = 6, 0.2
ZIPF_BACKGROUND, ZIPF_KEYWORDS, KEYWORD_FIRST_RANK = 1.07, 0.9, 300
# per field: (share empty, log-normal median words, sigma, share of tokens that are keywords)
FIELDS = {"description": (0.03, 11, 0.6, 0.4), "coverphoto_ocr": (0.43, 10, 1.0, 0.4),
          "speech_to_text": (0.67, 30, 0.9, 0.25), "comment": (0.0, 8, 0.75, 0.1)}
GENERIC = 2_000   # queries' filler words come from the most frequent ranks


def vocabulary() -> np.ndarray:
    """Every word by frequency rank: 1-syllable words first, then 2, then 3 (frequent words
    are short); unique by construction (a rank's syllables are its digits in base 64)."""
    rng = np.random.default_rng(12345)
    syl = np.array(SYLLABLES, dtype=object)
    words = []
    for n in (1, 2, 3):
        codes = rng.permutation(64 ** n)
        digits = [(codes // 64 ** i) % 64 for i in range(n)]
        words.append(syl[digits[0]] if n == 1 else
                     np.array(["".join(t) for t in zip(*(syl[d] for d in digits))], dtype=object))
    return np.concatenate(words)


def misspelt(words: np.ndarray) -> np.ndarray:
    """One typo per word (a letter dropped, doubled or two swapped), chosen per word."""
    rng = np.random.default_rng(54321)
    kind, at = rng.integers(0, 3, len(words)), rng.random(len(words))
    out = []
    for w, k, a in zip(words.tolist(), kind.tolist(), at.tolist()):
        i = int(a * (len(w) - 1))
        out.append(w[:i] + w[i + 1:] if k == 0 else w[:i] + w[i] + w[i:] if k == 1
                   else w[:i] + w[i + 1] + w[i] + w[i + 2:])
    return np.array(out, dtype=object)


class Vocabulary:
    """The word tables every chunk looks tokens up in."""

    def __init__(self):
        self.words = vocabulary()
        n = len(self.words)
        self.typo = misspelt(self.words)
        self.upper = np.array([w.upper() for w in self.words.tolist()], dtype=object)
        self.typo_upper = np.array([w.upper() for w in self.typo.tolist()], dtype=object)
        self.hashtag = np.array(["#" + w for w in self.words.tolist()], dtype=object)
        self.title = np.array([w.title() for w in self.words.tolist()], dtype=object)
        self.emoji = np.array(EMOJI, dtype=object)
        self.cdf = np.cumsum(1.0 / np.arange(1, n + 1) ** ZIPF_BACKGROUND)
        self.cdf /= self.cdf[-1]
        kw = 1.0 / np.arange(1, n - KEYWORD_FIRST_RANK + 1) ** ZIPF_KEYWORDS
        self.kw_cdf = np.cumsum(kw) / kw.sum()

    def background(self, rng, size) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, rng.random(size)), len(self.words) - 1)

    def keywords(self, rng, size) -> np.ndarray:
        return KEYWORD_FIRST_RANK + np.minimum(np.searchsorted(self.kw_cdf, rng.random(size)),
                                               len(self.kw_cdf) - 1)


def lengths(rng, n: int, empty: float, median: float, sigma: float, cap: int = 800) -> np.ndarray:
    out = np.clip(np.rint(rng.lognormal(np.log(median), sigma, n)), 1, cap).astype(np.int64)
    out[rng.random(n) < empty] = 0
    return out


def synonym(ids: np.ndarray) -> np.ndarray:
    """The word paired with each word (ranks 2j and 2j + 1)."""
    return ids ^ 1


def join(tokens: np.ndarray, counts: np.ndarray) -> list[str]:
    """Texts made of consecutive runs of ``tokens`` (``counts`` each), joined by spaces, in
    one C-level join: a NUL marks each end."""
    out = np.empty(len(tokens) + len(counts), dtype=object)
    ends = np.cumsum(counts + 1) - 1
    out[ends] = "\x00"
    mask = np.ones(len(out), dtype=bool)
    mask[ends] = False
    out[mask] = tokens
    return [t.strip() for t in " ".join(out.tolist()).split("\x00")[:-1]]


def field_tokens(rng, voc: Vocabulary, owner: np.ndarray, keywords: np.ndarray, kw_share: float,
                 *, hashtags=0.0, emoji=0.0, typos=0.02, upper=False) -> np.ndarray:
    """Tokens for positions owned by documents ``owner``: keywords, synonyms, background."""
    size = len(owner)
    ids = voc.background(rng, size)
    is_kw = rng.random(size) < kw_share
    kw = keywords[owner[is_kw], rng.integers(0, KEYWORDS, int(is_kw.sum()))]
    ids[is_kw] = np.where(rng.random(len(kw)) < SYNONYM_RATE, synonym(kw), kw)
    words = (voc.upper if upper else voc.words)[ids]
    r = rng.random(size)
    words = np.where(r < typos, (voc.typo_upper if upper else voc.typo)[ids], words)
    if hashtags:
        tag = (r >= typos) & (r < typos + hashtags)
        words[tag] = voc.hashtag[ids[tag]]
    if emoji:
        e = r > 1 - emoji
        words[e] = voc.emoji[np.minimum(rng.zipf(1.5, int(e.sum())) - 1, len(voc.emoji) - 1)]
    return words


def text_field(rng, voc, keywords, name: str, **kw) -> list[str]:
    empty, median, sigma, share = FIELDS[name]
    counts = lengths(rng, len(keywords), empty, median, sigma)
    owner = np.repeat(np.arange(len(keywords)), counts)
    return join(field_tokens(rng, voc, owner, keywords, share, **kw), counts)


def display_count(n: int) -> str:
    """TikTok's display form: 22600 → '22.6K'."""
    for div, suffix in ((1_000_000, "M"), (1_000, "K")):
        if n >= div:
            return f"{n / div:.1f}".rstrip("0").rstrip(".") + suffix
    return str(n)


def doc_id(i) -> str:
    return str(7_100_000_000_000_000_000 + int(i))


def chunk_rows(seed: int, chunk: int, start: int, n: int, voc: Vocabulary):
    """(tiktok rows, comment rows, keywords) of documents start … start + n − 1."""
    rng = np.random.default_rng([seed, chunk])
    keywords = voc.keywords(rng, (n, KEYWORDS))
    desc = text_field(rng, voc, keywords, "description", hashtags=0.33, emoji=0.05)
    ocr = text_field(rng, voc, keywords, "coverphoto_ocr", upper=True, typos=0.04)
    speech = text_field(rng, voc, keywords, "speech_to_text", typos=0.03)
    nick_n = np.clip(1 + rng.poisson(0.8, n), 1, 3)
    nick = join(voc.title[voc.background(rng, int(nick_n.sum()))], nick_n)
    user = ["@" + a + b for a, b in zip(voc.words[voc.background(rng, n)].tolist(),
                                        voc.words[voc.background(rng, n)].tolist())]
    title_n = rng.integers(2, 6, n)
    titles = join(voc.title[voc.background(rng, int(title_n.sum()))], title_n)
    artist = voc.title[voc.background(rng, n)]
    original = rng.random(n) < 0.5
    music = [f"original sound - {k}" if o else f"{t} - {a}" for o, k, t, a in
             zip(original.tolist(), nick, titles, artist.tolist())]
    likes = np.rint(rng.lognormal(np.log(20_000), 1.8, n)).astype(np.int64)
    n_comments = np.where(rng.random(n) < 0.8, 20, rng.integers(0, 20, n))
    n_comments[rng.random(n) < 0.07] = 0
    owner = np.repeat(np.arange(n), n_comments)
    c_len = lengths(rng, len(owner), 0.0, 8, 0.75, cap=60)
    c_text = join(field_tokens(rng, voc, np.repeat(owner, c_len), keywords, FIELDS["comment"][3],
                               emoji=0.05, typos=0.04), c_len)
    c_likes = np.rint(rng.lognormal(np.log(30), 2.0, len(owner))).astype(np.int64)
    ids = [doc_id(start + i) for i in range(n)]
    tiktoks = [(i, f"https://www.tiktok.com/{u}/video/{i}", sp, oc, mu, display_count(lk), lk,
                str(nc), nc, u, nk, de, f"{1 + i_ % 12}-{1 + i_ % 28}", 1)
               for i_, (i, u, sp, oc, mu, lk, nc, nk, de) in enumerate(
                   zip(ids, user, speech, ocr, music, likes.tolist(), n_comments.tolist(), nick, desc))]
    position = np.arange(len(owner)) - np.repeat(np.cumsum(n_comments) - n_comments, n_comments)
    comments = [(ids[o], p, display_count(lk), lk, t, "@" + w)
                for o, p, lk, t, w in zip(owner.tolist(), position.tolist(), c_likes.tolist(), c_text,
                                          voc.words[voc.background(rng, len(owner))].tolist())]
    return tiktoks, comments, keywords


TIKTOK_INSERT = ("id", "permalink", "speech_to_text", "coverphoto_ocr", "music_title", "like_count",
                 "like_count_n", "comment_count", "comment_count_n", "creator_username",
                 "creator_nickname", "description", "time_posted", "usable")
COMMENT_INSERT = ("video_id", "position", "like_count", "like_count_n", "comment_text", "commenter_name")


def write_queries(rng, voc: Vocabulary, keywords: np.ndarray, n_queries: int) -> list[dict]:
    """Known-item queries in the study's queries.json format, from random targets."""
    targets = np.sort(rng.choice(len(keywords), size=min(n_queries, len(keywords)), replace=False))
    out = []
    for t in targets.tolist():
        size = int(rng.choice([2, 3, 3, 4, 4, 4, 5, 6]))
        recalled = rng.permutation(keywords[t])[:max(1, int(round(size * rng.uniform(0.5, 0.9))))]
        recalled = np.where(rng.random(len(recalled)) < 1 / 3, synonym(recalled), recalled)
        words = voc.words[recalled].tolist()
        words = [voc.typo[i] if rng.random() < 0.08 else w for i, w in zip(recalled.tolist(), words)]
        filler = voc.words[np.minimum(voc.background(rng, size - len(words)), GENERIC)].tolist()
        words = list(rng.permutation(words + filler))
        out.append({"text": " ".join(words), "target": doc_id(t), "author": "synthetic",
                    "useful-description": False, "comments-on-topic": False, "purely-visual": False,
                    "important-lyrics": False, "subtextual": False, "collection": "synthetic"})
    return out


def generate(out: Path, docs: int, seed: int = 0, n_queries: int = 200) -> dict:
    """Write DIR/tiktoks.db and DIR/queries.json; return counts and seconds."""
    if docs < 1:
        raise ValueError(f"--docs must be at least 1, got {docs}")
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    voc = Vocabulary()
    keywords, n_comments = [], 0
    with atomic_database(out / "tiktoks.db", kind="corpus") as db:
        create_corpus_schema(db)
        conn: sqlite3.Connection = db.conn
        conn.execute("PRAGMA journal_mode = OFF")     # a temporary file, renamed when complete
        conn.execute("PRAGMA synchronous = OFF")
        for chunk, start in enumerate(range(0, docs, CHUNK)):
            tiktoks, comments, kw = chunk_rows(seed, chunk, start, min(CHUNK, docs - start), voc)
            with conn:
                conn.executemany(f"insert into tiktoks ({', '.join(TIKTOK_INSERT)}) values "
                                 f"({', '.join('?' * len(TIKTOK_INSERT))})", tiktoks)
                conn.executemany(f"insert into comments ({', '.join(COMMENT_INSERT)}) values "
                                 f"({', '.join('?' * len(COMMENT_INSERT))})", comments)
            keywords.append(kw)
            n_comments += len(comments)
        queries = write_queries(np.random.default_rng([seed, 1_000_000]), voc, np.concatenate(keywords), n_queries)
        from pipeline.import_study import query_rows
        rows = query_rows(queries, "queries", "synthetic", [])
        meta = {"normalisation": "default", "corpus_id": uuid.uuid4().hex,
                "source": f"pipeline.demo.scale --docs {docs} --seed {seed}"}
        with conn:
            db["queries"].insert_all(rows, alter=True)
            db["meta"].insert_all([{"key": k, "value": v} for k, v in meta.items()], pk="key", replace=True)
        db["comments"].create_index(["video_id"], if_not_exists=True)
    (out / "queries.json").write_text(json.dumps(queries, ensure_ascii=False, indent=0) + "\n")
    return {"docs": docs, "comments": n_comments, "queries": len(queries), "seconds": time.perf_counter() - t0}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=HelpFormatter)
    p.add_argument("--docs", type=positive_int, required=True, help="number of documents")
    p.add_argument("--out", type=Path, required=True, help="directory for tiktoks.db and queries.json")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed and --docs: same files)")
    p.add_argument("--queries", type=count, default=200, help="known-item queries to write")
    args = p.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        p.error(f"--out {args.out} is a file: give a directory for tiktoks.db and queries.json")
    try:
        r = generate(args.out, args.docs, args.seed, args.queries)
    except ValueError as e:
        print(f"scale: {e}", file=sys.stderr)
        return 2
    print(f"Wrote {r['docs']:,} TikToks, {r['comments']:,} comments and {r['queries']} queries to "
          f"{args.out} in {r['seconds']:.1f} s.")
    return 0


if __name__ == "__main__":
    run_cli(main)
