"""`make collect` end to end on 127.0.0.1: your TikTok history as a searchable corpus.

    .venv/bin/python bench/collect.py [--limit 20] [--work /tmp/trl-collect] [--rate 5]

The demo generator's videos (spoken scripts, captioned covers; a few broken on purpose) are
served as video pages on 127.0.0.1, a TikTok data export (JSON form) lists them as watch
history and likes over the last 60 days, and the stages `make collect` runs follow:
collect --download (yt-dlp's generic extractor, the code path of a TikTok link), ocr, audio,
transcribe, etl. Prints each stage's seconds, the collect stage's seconds per video, how many
videos failed and why, how many became usable, and how many were watched in the last week.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.watched import watched_videos  # noqa: E402
from pipeline.demo import generator  # noqa: E402
from pipeline.demo.server import PAGE_TEMPLATE, MediaServer, write_video_page  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def build_site(demo: Path, site: Path) -> list[str]:
    """A page per demo record (its own media; a missing video stays missing)."""
    records = [r for f in sorted((demo / "scrape").glob("batch_*.json"))
               for r in json.loads(f.read_text(encoding="utf-8")) if str(r.get("id", "")).isdigit()]
    media = demo / "media"
    for r in records:
        video = media / "videos" / f"{r['id']}.mp4"
        write_video_page(site, r["id"], r["description"], video if video.is_file() else None,
                         media / "covers" / f"{r['id']}.jpg")
    return [r["id"] for r in records]


def export(ids: list[str], path: Path) -> None:
    """A data export: every id watched (one a day, latest first), every third one liked."""
    now = datetime.now(timezone.utc)
    day = lambda i: (now - timedelta(days=i * 60 / max(len(ids), 1), hours=1)).strftime(  # noqa: E731
        "%Y-%m-%d %H:%M:%S")
    link = "https://www.tiktokv.com/share/video/{}/".format
    path.write_text(json.dumps({"Your Activity": {
        "Watch History": {"VideoList": [{"Date": day(i), "Link": link(v)} for i, v in enumerate(ids)]},
        "Like List": {"ItemFavoriteList": [{"date": day(i), "link": link(v)}
                                           for i, v in enumerate(ids) if i % 3 == 0]}}}),
        encoding="utf-8")


def stage(name: str, args: list, timings: dict) -> None:
    t0 = time.monotonic()
    rc = subprocess.call([sys.executable, "-m", f"pipeline.{name}", *map(str, args)], cwd=REPO)
    timings[name] = (time.monotonic() - t0, rc)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=20, help="demo records served")
    p.add_argument("--work", type=Path, default=Path("/tmp/trl-collect"))
    p.add_argument("--rate", type=float, default=5.0, help="collect's --rate")
    a = p.parse_args(argv)
    generator.generate(a.work / "demo", limit=a.limit, workers=1)
    ids = build_site(a.work / "demo", a.work / "site")
    export(ids, a.work / "user_data_tiktok.json")
    mine = a.work / "mine"
    state = ["--pipeline-db", mine / "pipeline.db", "--media", mine / "media", "--no-progress"]
    timings: dict = {}
    with MediaServer(a.work / "site") as srv:
        stage("collect", ["--export", a.work / "user_data_tiktok.json", "--download",
                          "--rate", a.rate, "--url-template", srv.url + PAGE_TEMPLATE, *state],
              timings)
    for name in ("ocr", "audio", "transcribe"):
        stage(name, state, timings)
    stage("etl", ["--pipeline-db", mine / "pipeline.db", "--db", mine / "tiktoks.db"], timings)
    con = sqlite3.connect(mine / "pipeline.db")
    failed = con.execute("select error from collected where error is not null").fetchall()
    con.close()
    con = sqlite3.connect(mine / "tiktoks.db")
    usable = con.execute("select count(*) from tiktoks where usable = 1").fetchone()[0]
    con.close()
    print(f"\n{len(ids)} videos in the export; collect: {len(ids) - len(failed)} collected, "
          f"{len(failed)} failed ({'; '.join(sorted(e.split(':', 1)[0] for (e,) in failed))})")
    for name, (secs, rc) in timings.items():
        per = f" ({secs / len(ids):.2f} s/video, --rate {a.rate:g})" if name == "collect" else ""
        print(f"  {name}: {secs:.1f} s{per}, exit {rc}")
    print(f"usable in {mine / 'tiktoks.db'}: {usable}; watched in the last week: "
          f"{len(watched_videos(mine / 'tiktoks.db', 'week'))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
