"""Generate the demo corpus deterministically: scraped-batch JSON in the study's format,
cover photos with caption text, short videos with spoken audio, ground truth and queries.

Layout of the output directory (default DATA/demo):
  scrape/batch_1.json, batch_2.json  records whose media URLs use the placeholder MEDIA_BASE;
                                     `write_batches` substitutes the media server's real URL
  media/covers/{id}.jpg, media/videos/{id}.mp4   what the media server serves; a video shows
                its cover caption (the hook), then two more captions (steps, a punchline)
  truth.json    {id: {caption, screens, script, cover_text, screen_text, topic, hero, broken}}:
                ground truth for cover OCR, on-screen text and speech
  queries.json  known-item queries in the study's queries.json format
  manifest.json generator version, seed, limit: a rerun with the same values is skipped

Everything comes from one seeded random.Random (no network, no clock), so the same seed gives
identical JSON and identical cover bytes. Videos are encoded in worker processes
(core.workers: they stop when the generator is killed).

  python -m pipeline.demo.generator --out data/demo --seed 2022 --limit 8
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

from core.workers import worker_pool
from pipeline.config import DATA, positive_int
from pipeline.demo.content import AUTHORS, COMMENTERS, FIRST, HEROES, SONGS, SUFFIX, TOPICS

GENERATOR_VERSION = "2"   # 2: timed on-screen captions, five heroes found only by them
DEFAULT_SEED = 2022
N_DISTRACTORS = 90
MEDIA_BASE = "http://127.0.0.1:MEDIA_PORT"  # replaced by the media server's URL
SIZE = (360, 640)
FPS = 10
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
TAG_NAMES = ("useful-description", "comments-on-topic", "purely-visual", "important-lyrics",
             "subtextual")
# Deliberately broken items, at fixed positions so that even `--limit 8` contains all of them.
BROKEN = {1: "blob-video-url", 3: "video-404", 5: "corrupt-cover", 7: "silent-video"}
SCRAPE_TS = 1669964608.0  # the scrape session's clock; records are spaced a few seconds apart


def default_out() -> Path:
    return DATA / "demo"


def fmt_count(n: int) -> str:
    """Display counts the way TikTok does: 950, 22.6K, 1.2M."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}".rstrip("0").rstrip(".") + "K"
    return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"


def _fill(template: str, subject: str, rng: random.Random, topic: dict) -> str:
    out = template.replace("{S}", subject[:1].upper() + subject[1:]).replace("{s}", subject)
    while "{t}" in out:
        out = out.replace("{t}", rng.choice(topic["tags"]), 1)
    while "{e}" in out:
        out = out.replace("{e}", rng.choice(topic["emoji"]), 1)
    return out


def _when(rng: random.Random) -> str:
    return rng.choice([f"{rng.randint(1, 23)}h ago", f"{rng.randint(1, 6)}d ago",
                       f"2022-{rng.randint(8, 11)}-{rng.randint(1, 28)}"])


def _comments(rng: random.Random, topic: dict, specific: list[str]) -> list[dict]:
    n = rng.randint(5, 20)
    texts = list(specific)
    generic = ["first", "fyp", "who else is here from the for you page", "😂😂😂", "ok but why is this so good"]
    while len(texts) < n:
        # mostly on topic; about one in six is generic chatter
        if rng.random() < 0.17:
            texts.append(rng.choice(generic))
        else:
            texts.append(_fill(rng.choice(topic["comments"]), rng.choice(topic["subjects"]), rng, topic))
    rng.shuffle(texts)
    out = []
    for text in texts:
        likes = int(rng.paretovariate(1.1) * 3)
        replies = rng.choice(["", "", str(rng.randint(1, 40))])
        out.append({"commenter-username": "@" + rng.choice(COMMENTERS), "comment-text": text,
                    "time-posted": _when(rng), "like-count": fmt_count(likes),
                    "replies-count": replies})
    return out


def _record(rng: random.Random, ids: set, web_id: str, item: dict, position: int) -> dict:
    vid = str(rng.randint(7_050_000_000_000_000_000, 7_179_999_999_999_999_999))
    while vid in ids:
        vid = str(rng.randint(7_050_000_000_000_000_000, 7_179_999_999_999_999_999))
    ids.add(vid)
    likes = int(rng.paretovariate(0.9) * 400)
    music_id = rng.randint(7_000_000_000_000_000_000, 7_179_999_999_999_999_999)
    music = item["music"]
    return {
        "video-src": f"{MEDIA_BASE}/videos/{vid}.mp4",
        "coverphoto-src": f"{MEDIA_BASE}/covers/{vid}.jpg",
        "permalink": f"https://www.tiktok.com/{item['user']}/video/{vid}?is_from_webapp=1&sender_device=pc&web_id={web_id}",
        "web-id": web_id,
        "id": vid,
        "like-count": fmt_count(likes),
        "comment-count": fmt_count(max(len(item["comments"]), int(likes * rng.uniform(0.01, 0.08)))),
        "creator-username": item["user"],
        "creator-nickname": item["nick"],
        "timeposted": _when(rng),
        "music-title": music,
        "music-src": "https://www.tiktok.com/music/" + music.lower().replace(" ", "-")[:40] + f"-{music_id}",
        "description": item["desc"],
        "comments": item["comments"],
        "scrape-timestamp": round(SCRAPE_TS + position * 3.7 + rng.random(), 3),
    }


def _distractor(rng: random.Random, topic_name: str) -> dict:
    topic = TOPICS[topic_name]
    subject = rng.choice(topic["subjects"])
    name = rng.choice(FIRST)
    user = "@" + name + rng.choice(SUFFIX) + (str(rng.randint(1, 99)) if rng.random() < 0.4 else "")
    nick = name.capitalize() + rng.choice(["", "", " " + rng.choice(["B.", "K", "✨", "🌸", "TV"])])
    music = (f"original sound - {nick}" if rng.random() < 0.55 else rng.choice(SONGS))
    return dict(topic=topic_name, user=user, nick=nick,
                caption=_fill(rng.choice(topic["captions"]), subject, rng, topic).upper(),
                screens=_screens(rng, topic, subject),
                script=_fill(rng.choice(topic["scripts"]), subject, rng, topic),
                desc=_fill(rng.choice(topic["descs"]), subject, rng, topic), music=music,
                comments=_comments(rng, topic, []), query=None)


def _screens(rng: random.Random, topic: dict, subject: str) -> list[str]:
    """The two captions shown after the hook: a step or fact, then a punchline."""
    return [_fill(t, subject, rng, topic).upper() for t in rng.sample(topic["screens"], 2)]


def build(seed: int = DEFAULT_SEED, limit: int | None = None):
    """(records, truth, queries) for the first `limit` items; the malformed record is extra."""
    rng = random.Random(seed)
    heroes = []
    for h in HEROES:
        h = dict(h)
        h["comments"] = _comments(rng, TOPICS[h["topic"]], h["comments"])
        if "screens" not in h:
            h["screens"] = _screens(rng, TOPICS[h["topic"]], rng.choice(TOPICS[h["topic"]]["subjects"]))
        heroes.append(h)
    names = sorted(TOPICS)
    distractors = [_distractor(rng, names[i % len(names)]) for i in range(N_DISTRACTORS)]
    rng.shuffle(heroes)
    rng.shuffle(distractors)
    # fixed head: hero, broken, hero, broken ... so small limits still exercise cleaning
    head = []
    for pos in range(8):
        head.append(distractors.pop() if pos in BROKEN else heroes.pop())
    rest = heroes + distractors
    rng.shuffle(rest)
    items = head + rest
    web_id = str(rng.randint(7_170_000_000_000_000_000, 7_179_999_999_999_999_999))
    ids: set = set()
    records, truth, queries = [], {}, []
    for pos, item in enumerate(items):
        rec = _record(rng, ids, web_id, item, pos)
        broken = BROKEN.get(pos)
        if broken == "blob-video-url":
            rec["video-src"] = f"blob:https://www.tiktok.com/{rng.getrandbits(128):032x}"
        elif broken == "video-404":
            rec["video-src"] = f"{MEDIA_BASE}/videos/removed-{rec['id']}.mp4"
        records.append(rec)
        truth[rec["id"]] = {"caption": item["caption"], "screens": item["screens"],
                            "script": item["script"],
                            "cover_text": item["caption"] + "\n" + item["user"],
                            "screen_text": "\n".join([item["caption"], item["user"],
                                                      *item["screens"]]),   # reading order
                            "topic": item["topic"], "hero": item["query"] is not None,
                            "broken": broken}
        if item["query"] is not None:
            text, author, *tags = item["query"]
            assert author in AUTHORS
            queries.append({"text": text, "target": rec["id"], "author": author,
                            **{k: bool(v) for k, v in zip(TAG_NAMES, tags)}})
    if limit is not None:
        records = records[:limit]
        keep = {r["id"] for r in records}
        truth = {k: v for k, v in truth.items() if k in keep}
        queries = [q for q in queries if q["target"] in keep]
    malformed = {k: v for k, v in records[-1].items() if k != "id"}  # a record with no id
    malformed["description"] = "this record lost its id on the way " + malformed["description"]
    return records, truth, queries, malformed


def render_cover(caption: str, user: str, topic: str, path: Path) -> None:
    """A 360x640 JPEG with the caption in large white letters on a topic colour."""
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(caption + user)
    hue = sorted(TOPICS).index(topic) / len(TOPICS)
    import colorsys

    r, g, b = colorsys.hsv_to_rgb((hue + rng.uniform(-0.03, 0.03)) % 1, 0.65, 0.42)
    im = Image.new("RGB", SIZE, (int(r * 255), int(g * 255), int(b * 255)))
    d = ImageDraw.Draw(im)
    size, width = 40, 12
    while True:
        font = ImageFont.truetype(FONT, size)
        text = "\n".join(textwrap.wrap(caption, width=width, break_long_words=True))
        box = d.multiline_textbbox((0, 0), text, font=font, spacing=12, align="center")
        if box[2] - box[0] <= SIZE[0] - 30 or size <= 20:
            break
        size -= 3
        width += 2
    x = (SIZE[0] - (box[2] - box[0])) // 2
    y = (SIZE[1] - (box[3] - box[1])) // 2 - 40
    d.rounded_rectangle((x - 12, y - 12, x + box[2] - box[0] + 12, y + box[3] - box[1] + 22),
                        radius=14, fill=(250, 250, 248))
    d.multiline_text((x, y), text, font=font, fill=(10, 10, 10), spacing=12, align="center")
    d.text((18, SIZE[1] - 50), user, font=ImageFont.truetype(FONT, 18), fill=(235, 235, 235))
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, format="JPEG", quality=90)


def encode_video(job: tuple) -> str:
    """Worker: speak the script with espeak-ng and show the cover, then each later caption,
    for an equal share of the time (one ffmpeg call: H.264 at FPS frames a second, AAC)."""
    images, script, out, silent = job
    import wave

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(out.stem + ".part.mp4")
    with tempfile.TemporaryDirectory() as tmp:
        length, sound = 4.0, []
        if not silent:
            wav = Path(tmp) / "speech.wav"
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "155", "-w", str(wav), script],
                           check=True, capture_output=True)
            with wave.open(str(wav)) as w:
                length = w.getnframes() / w.getframerate()
            sound = ["-i", str(wav)]
        cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y"]
        for image in images:
            cmd += ["-loop", "1", "-framerate", str(FPS), "-t", f"{length / len(images):.3f}",
                    "-i", str(image)]
        n = len(images)
        cmd += [*sound, "-filter_complex",
                "".join(f"[{k}:v]" for k in range(n)) + f"concat=n={n}:v=1:a=0,format=yuv420p[v]",
                "-map", "[v]", *(["-map", f"{n}:a", "-c:a", "aac"] if sound else []),
                "-c:v", "libx264", "-preset", "ultrafast", "-r", str(FPS), str(tmp_out)]
        subprocess.run(cmd, check=True, capture_output=True)
    tmp_out.replace(out)
    return str(out)


def _dump(obj, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def is_current(out: Path, seed: int, limit: int | None) -> bool:
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    same = manifest == {"version": GENERATOR_VERSION, "seed": seed, "limit": limit,
                        "count": manifest.get("count"), "complete": True}
    # and nobody deleted the media since
    return same and len(list((out / "media" / "covers").glob("*.jpg"))) == manifest["count"]


def generate(out: Path | None = None, seed: int = DEFAULT_SEED, limit: int | None = None,
             videos: bool = True, workers: int = 2, force: bool = False) -> bool:
    """Generate into `out`; returns False when an identical generation is already there."""
    out = Path(out or default_out())
    if not force and videos and is_current(out, seed, limit):
        return False
    for stale in ("media", "frames"):
        if (out / stale).exists():
            shutil.rmtree(out / stale)
    (out / "manifest.json").unlink(missing_ok=True)
    records, truth, queries, malformed = build(seed, limit)
    half = (len(records) + 1) // 2
    _dump(records[:half], out / "scrape" / "batch_1.json")
    _dump(records[half:] + [malformed], out / "scrape" / "batch_2.json")
    _dump(truth, out / "truth.json")
    _dump(queries, out / "queries.json")
    covers = out / "media" / "covers"
    jobs = []
    for rec in records:
        t = truth[rec["id"]]
        cover = covers / f"{rec['id']}.jpg"
        render_cover(t["caption"], rec["creator-username"], t["topic"], cover)
        if t["broken"] in ("blob-video-url", "video-404"):
            continue
        if t["broken"] == "corrupt-cover":
            # the video keeps a real frame; the served cover becomes bytes that are no image
            frame = out / "frames" / f"{rec['id']}.jpg"
            frame.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cover, frame)
            cover.write_bytes(b"<html><body>403 Forbidden</body></html>\n" * 20)
            cover = frame
        images = [str(cover)]
        for i, screen in enumerate(t["screens"], 1):
            image = out / "frames" / f"{rec['id']}-{i}.jpg"
            render_cover(screen, rec["creator-username"], t["topic"], image)
            images.append(str(image))
        jobs.append((images, t["script"], str(out / "media" / "videos" / f"{rec['id']}.mp4"),
                     t["broken"] == "silent-video"))
    if videos and jobs:
        with worker_pool(max(1, workers)) as pool:   # they stop if the generator is killed
            list(pool.map(encode_video, jobs))
    if videos:
        _dump({"version": GENERATOR_VERSION, "seed": seed, "limit": limit,
               "count": len(records), "complete": True}, out / "manifest.json")
    return True


def write_batches(out: Path, base_url: str, dest: Path | None = None) -> list[Path]:
    """The 'scrape': copy scrape/*.json to batches/ with media URLs pointing at `base_url`."""
    dest = Path(dest or out / "batches")
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for src in sorted((Path(out) / "scrape").glob("batch_*.json")):
        target = dest / src.name
        target.write_text(src.read_text(encoding="utf-8").replace(MEDIA_BASE, base_url.rstrip("/")),
                          encoding="utf-8")
        paths.append(target)
    return paths


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=default_out(), help="output directory")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--limit", type=positive_int, default=None, help="only the first N records")
    p.add_argument("--workers", type=positive_int, default=2, help="video encoding processes")
    p.add_argument("--no-video", action="store_true", help="JSON and covers only (fast)")
    p.add_argument("--force", action="store_true", help="regenerate even if up to date")
    a = p.parse_args(argv)
    done = generate(a.out, a.seed, a.limit, videos=not a.no_video, workers=a.workers, force=a.force)
    print(f"demo corpus {'generated' if done else 'already up to date'} in {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
