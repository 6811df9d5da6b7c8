"""Turn viewers' comments into pseudo-queries (a query set in the study's queries.json format).

    python -m pipeline.pseudo_queries --db data/study/tiktoks.db --out pseudo.json \
        [--held-aside-out held.json --held-aside-fraction 0.2 --seed 0] [--per-video 3]

Comments of usable videos that read like descriptions (core/pseudo_queries.py: no @mentions,
links or timestamps, 4–10 words with 2+ content words, not shared with another video, not a
near-duplicate of the description or of a comment already kept), at most ``--per-video`` per
video, most-liked first. Each becomes a query for its video with ``author`` ``pseudo`` and the
comment's ``comment-position``: ``pipeline.evaluate`` scores such queries against the corpus
without their comments, so none matches itself. ``--held-aside-out`` writes the queries of a
fraction of the videos (chosen by a hash of ``--seed`` and the video id) to a second file,
for scoring only. Files are written whole (temporary file, then rename).

Prints how many comments each filter removed, then as its last line one JSON object with
the counts.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from core.pseudo_queries import REASONS, Filters, as_queries, from_corpus
from core.outputs import check_outputs
from core.store import NotADatabase
from pipeline.config import fraction, percentage, positive_int, run_cli, stage_parser


def write_json(path: Path, entries: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True, help="queries.json to write (the tuning set)")
    p.add_argument("--held-aside-out", type=Path, default=None,
                   help="also write the held-aside videos' queries here (scoring only)")
    p.add_argument("--held-aside-fraction", type=fraction, default=None,
                   help="share of videos whose queries are held aside (with --held-aside-out; "
                        "default 0.2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the held-aside split")
    d = Filters()
    p.add_argument("--per-video", type=positive_int, default=d.per_video, help="at most this many queries per video")
    p.add_argument("--min-words", type=positive_int, default=d.min_words)
    p.add_argument("--max-words", type=positive_int, default=d.max_words)
    p.add_argument("--similarity", type=percentage, default=d.similarity,
                   help="rapidfuzz token_sort_ratio (0-100) from which two texts are near-duplicates")
    args = p.parse_args(argv)
    if args.min_words > args.max_words:
        p.error(f"--min-words {args.min_words} is more than --max-words {args.max_words}: "
                "no comment could be kept")
    if args.held_aside_fraction is not None and not args.held_aside_out:
        p.error("--held-aside-fraction needs --held-aside-out (where the held-aside queries go)")
    filters = Filters(args.min_words, args.max_words, d.min_content, args.similarity, args.per_video)
    try:
        check_outputs({"--out": args.out, "--held-aside-out": args.held_aside_out}, {"--db": args.db})
        share = 0.0 if not args.held_aside_out else \
            0.2 if args.held_aside_fraction is None else args.held_aside_fraction
        picked, tuning, held = from_corpus(args.db, filters, share, args.seed)
    except (FileNotFoundError, NotADatabase, ValueError) as e:
        print(f"pseudo_queries: {e}", file=sys.stderr)
        return 2
    write_json(args.out, as_queries(tuning))
    if args.held_aside_out:
        write_json(args.held_aside_out, as_queries(held))
    removed = picked["reason"].value_counts().reindex(list(REASONS), fill_value=0)
    print(f"pseudo_queries: {len(picked)} comments of {picked['video_id'].nunique()} usable videos; removed: "
          + ", ".join(f"{r} {n}" for r, n in removed.items()), file=sys.stderr)
    print(f"pseudo_queries: {len(tuning)} queries ({tuning['video_id'].nunique()} videos) -> {args.out}"
          + (f"; {len(held)} held aside ({held['video_id'].nunique()} videos) -> {args.held_aside_out}"
             if args.held_aside_out else ""), file=sys.stderr)
    print(json.dumps({"comments": len(picked), "queries": len(tuning), "held_aside": len(held),
                      "videos": int(tuning["video_id"].nunique()),
                      "held_aside_videos": int(held["video_id"].nunique()),
                      "removed": {r: int(n) for r, n in removed.items()}}))
    return 0


if __name__ == "__main__":
    run_cli(main)
