"""Transcribe every extracted WAV with SpeechRecognition (offline Whisper by default).

Reads the ids with a WAV (`audio.wav_path` not NULL) and writes one `transcripts` row per
item, committed as soon as it is done: `id, text, engine, language, error, seconds`, from
MEDIA/audio/{id}.wav. Engines:
* `whisper` (the default): OpenAI's Whisper base model, offline, through SpeechRecognition's
  faster-whisper recogniser (pipeline/whisper.py: CPU, int8, the model built once per worker
  process, voice-activity detection so silence or music gives "" rather than invented
  words). Whisper detects the language (recorded in `language`) unless `--language` forces
  one. Measured on the demo corpus: see docs/pipeline.md.
* `sphinx`: CMU Sphinx (pocketsphinx) with the US English model bundled in SpeechRecognition's
  wheel (one decoder per worker process); weaker (WER 67% on the demo corpus).
* `google`: Google's free web API, as the study did (it needs the internet: without it every
  item gets text NULL and a "request error" reason).
Sphinx and google audio is split into --chunk-seconds pieces (30 s for sphinx, 60 s for
google, whose limit is about 2 minutes), transcribed one by one and joined with spaces;
Whisper reads the whole file (it works in 30 s windows itself). With `--language` forced,
Whisper reads short clips together: clips under half of --group-seconds are joined, in
order, with 1 s of silence between, up to --group-seconds of audio, and each word goes back
to the clip its time falls in. Whisper runs its encoder on a whole 30 s window whatever the
clip's length, so five 5 s clips cost about what one does (measured on the demo's clips: see
docs/pipeline.md). Without a forced language every clip is read alone, so each gets its own
language. A piece with no recognisable
speech contributes nothing, so silence gives "" (not a failure). A missing or unreadable WAV
or an engine failure gives text NULL and the reason in `error`. A rerun does only new items;
`--retry-failed` also redoes NULL results and `--all` redoes everything, e.g. with another
`--engine`.

Exit status: 0 when every pending item was recorded and at least one was transcribed (or
nothing was pending); 1 when all pending items failed (e.g. google without a network) or
some could not be recorded.
"""
from __future__ import annotations

import functools
import os
import time
from pathlib import Path

from pipeline import items as runner
from pipeline.config import count, non_negative_float, positive_float, run_cli

TABLE = "transcripts"
COLUMNS = {"id": str, "text": str, "engine": str, "language": str, "error": str,
           "seconds": float}
ENGINES = ("whisper", "sphinx", "google")
DEFAULT_ENGINE = "whisper"
DEFAULT_CHUNK = {"whisper": None, "sphinx": 30.0, "google": 60.0}   # None: the whole file
GROUP_SECONDS = 60.0    # Whisper with a forced language: audio read together, at most
GAP_SECONDS = 1.0       # silence between joined clips (voice-activity detection drops it)
SPARSE = 1.0            # words per second under which a joined clip is read again alone
DENSE = 6.0             # words per second over which a joined clip's words are a loop (fast
                        # speech is 4-5): the group is read again without conditioning
LOOP_WORDS = 8          # ... as when a phrase comes again at once for this many words
RATE, WIDTH = 16000, 2  # joined audio: 16 kHz, 16-bit mono (what Whisper resamples to anyway)


@functools.lru_cache(maxsize=4)
def sphinx_decoder(language: str = "en-US"):
    """A pocketsphinx Decoder on SpeechRecognition's bundled model, built once per process.

    ``Recognizer.recognize_sphinx`` builds the same decoder on every call, which costs
    1.5-3 s per item; the output is identical (pocketsphinx is deterministic).
    """
    import speech_recognition as sr
    from pocketsphinx import pocketsphinx

    data = Path(sr.__file__).resolve().parent / "pocketsphinx-data" / language
    if not data.is_dir():
        raise sr.RequestError(f"missing PocketSphinx language data directory: {data}")
    config = pocketsphinx.Config()
    config.set_string("-hmm", str(data / "acoustic-model"))
    config.set_string("-lm", str(data / "language-model.lm.bin"))
    config.set_string("-dict", str(data / "pronounciation-dictionary.dict"))
    config.set_string("-logfn", os.devnull)
    return pocketsphinx.Decoder(config)


def language_problem(engine: str, language: str | None) -> str | None:
    """Why ``engine`` cannot take ``--language``, or None: checked before any clip runs, so a
    typo is one message instead of a failure recorded against every clip."""
    if language is None or engine == "google":   # Google takes any BCP-47 tag it knows
        return None
    if engine == "whisper":
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        code = language.split("-")[0].lower()
        if code not in _LANGUAGE_CODES:
            return (f"--language {language}: Whisper knows no language {code!r} (two-letter "
                    f"codes such as en, es, de, fr, ja)")
        return None
    import speech_recognition as sr

    data = Path(sr.__file__).resolve().parent / "pocketsphinx-data"
    have = sorted(d.name for d in data.iterdir() if d.is_dir()) if data.is_dir() else []
    if language not in have:
        return f"--language {language}: sphinx has models for {', '.join(have) or 'no language'} only"
    return None


def recognize(recognizer, audio, engine: str, language: str) -> str:
    """Text of one AudioData piece ("" when the engine hears no speech)."""
    import speech_recognition as sr

    try:
        if engine == "sphinx":
            decoder = sphinx_decoder(language)
            decoder.start_utt()
            decoder.process_raw(audio.get_raw_data(convert_rate=16000, convert_width=2), False, True)
            decoder.end_utt()
            hyp = decoder.hyp()
            return hyp.hypstr if hyp is not None else ""
        return recognizer.recognize_google(audio, language=language)
    except sr.UnknownValueError:
        return ""


def transcribe_wav(path, engine=DEFAULT_ENGINE, *, chunk_seconds=None, language=None,
                   timeout=30.0, threads=1) -> tuple[str, str | None]:
    """(text, language) of a WAV file, read chunk by chunk; raises on an unreadable file or
    an engine error. `language` None: Whisper detects it, sphinx and google assume en-US."""
    import speech_recognition as sr

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    chunk = chunk_seconds or DEFAULT_CHUNK[engine]
    r = sr.Recognizer()
    r.operation_timeout = timeout  # google: never wait forever on the network
    parts, heard = [], None
    with sr.AudioFile(str(path)) as source:
        while True:  # record() reads whole buffers, so pieces are slightly under `chunk`
            audio = r.record(source, duration=chunk)
            if not audio.frame_data:
                break
            if engine == "whisper":
                from pipeline import whisper
                text, heard = whisper.transcribe(audio, language=language, threads=threads)
            else:
                heard = language or "en-US"
                text = recognize(r, audio, engine, heard).strip()
            if text:
                parts.append(text)
    return " ".join(parts), heard


def transcribe_item(item: dict) -> dict:
    """Pure per-item work: one WAV's transcript as a `transcripts` row."""
    import speech_recognition as sr
    from pipeline.whisper import WhisperUnavailable

    start = time.perf_counter()
    path, engine = Path(item["wav"]), item.get("engine", DEFAULT_ENGINE)
    text, language, error = None, None, None
    try:
        if not path.is_file():
            raise FileNotFoundError(path)
        text, language = transcribe_wav(path, engine, chunk_seconds=item.get("chunk_seconds"),
                                        language=item.get("language"),
                                        timeout=item.get("timeout", 30.0),
                                        threads=item.get("threads", 1))
    except FileNotFoundError as e:
        error = f"missing file: {e}"
    except sr.RequestError as e:
        error = f"request error: {e}"
    except WhisperUnavailable as e:
        error = f"engine unavailable: {e}"
    except (ValueError, EOFError, OSError) as e:  # not a readable PCM WAV
        error = f"unreadable audio: {type(e).__name__}: {e}"
    return {"id": item["id"], "text": text, "engine": engine, "language": language,
            "error": error, "seconds": round(time.perf_counter() - start, 3)}


def clip_seconds(path) -> float:
    """A WAV's length from its header (inf when it cannot be read: it is then read alone)."""
    import wave

    try:
        with wave.open(str(path)) as w:
            return w.getnframes() / w.getframerate()
    except (OSError, EOFError, wave.Error, ZeroDivisionError):
        return float("inf")


def transcribe_group(group: dict) -> list[dict]:
    """Rows of a group of short clips read by Whisper as one recording (language forced).

    The clips are joined with GAP_SECONDS of silence between; each word goes to the clip
    whose span holds the middle of the word, or the nearest one when it falls in a gap.
    Whisper sometimes skips part of a long window: a clip of 2 s or more that got under
    SPARSE words per second is read again alone (a music clip then gives "" again; the demo's
    parrot clip, full of pauses, got 3 of its 16 words joined). Conditioned on the window
    before, it sometimes loops on a sentence (one fresh-machine run: one clip got a sentence
    eleven times and the next six clips the loop's words): when a phrase comes again at once
    for LOOP_WORDS words or a clip gets over DENSE words per second, the whole group is read
    again unconditioned, and a clip still over DENSE is read alone. A clip that cannot be read
    gets its own row from :func:`transcribe_item` (its reason), and if the joined recording
    fails, each clip is transcribed alone. `seconds` is the group's time shared equally
    among the clips read together, plus a clip's own second reading.
    """
    import speech_recognition as sr
    from pipeline import whisper

    start = time.perf_counter()
    rows, parts, spans, at = [], [], [], 0.0
    gap = b"\0" * int(GAP_SECONDS * RATE) * WIDTH
    for m in group["members"]:
        try:
            with sr.AudioFile(m["wav"]) as source:
                raw = sr.Recognizer().record(source).get_raw_data(convert_rate=RATE,
                                                                  convert_width=WIDTH)
        except (ValueError, EOFError, OSError):   # missing or not a WAV: its own row says why
            rows.append(transcribe_item(m))
            continue
        spans.append((m, at, at + len(raw) / (RATE * WIDTH)))
        parts += [raw, gap]
        at = spans[-1][2] + GAP_SECONDS
    if not spans:
        return rows
    first = spans[0][0]
    audio = sr.AudioData(b"".join(parts), RATE, WIDTH)
    try:
        words = whisper.transcribe_words(audio, language=first["language"],
                                         threads=first.get("threads", 1))
        said = _assign(words, spans)
        if _repeats([w for _, _, w in words]) or any(_looped(said[m["id"]], b, e)
                                                     for m, b, e in spans):
            said = _assign(whisper.transcribe_words(audio, language=first["language"],
                                                    threads=first.get("threads", 1),
                                                    condition=False), spans)
    except Exception:   # noqa: BLE001 - one bad recording must not sink the others
        return rows + [transcribe_item(m) for m, _, _ in spans]
    seconds = (time.perf_counter() - start) / len(spans)
    lang = first["language"].split("-")[0].lower()
    for m, begin, end in spans:
        text = " ".join("".join(said[m["id"]]).split())
        sparse = end - begin >= 2.0 and len(text.split()) < SPARSE * (end - begin)
        if sparse or _looped(said[m["id"]], begin, end):
            rows.append(transcribe_item(m))
            rows[-1]["seconds"] = round(rows[-1]["seconds"] + seconds, 3)
        else:
            rows.append({"id": m["id"], "text": text, "engine": "whisper", "language": lang,
                         "error": None, "seconds": round(seconds, 3)})
    return rows


def _assign(words: list, spans: list) -> dict:
    """{clip id: its words}: each word goes to the clip whose span holds the word's middle,
    or the nearest one when it falls in a gap."""
    said = {m["id"]: [] for m, _, _ in spans}
    for begin, end, word in words:
        mid = (begin + end) / 2
        m = min(spans, key=lambda s: max(s[1] - mid, mid - s[2], 0.0))[0]
        said[m["id"]].append(word)
    return said


def _repeats(words: list) -> bool:
    """Do the words (lower case, punctuation dropped) say a phrase of 3 or more words again
    at once, and again, until the repeats are LOOP_WORDS words or more? (Period n: words i..
    repeat from i+n on for max(n, LOOP_WORDS) words. Two clips sharing a phrase are not a
    loop; "I love you I love you I love you" is 6 words of repeats, not a loop either.)"""
    w = [t for t in ("".join(c for c in w.lower() if c.isalnum()) for w in words) if t]
    return any(w[i:i + m] == w[i + n:i + n + m]
               for n in range(3, len(w) // 2 + 1) for m in [max(n, LOOP_WORDS)]
               for i in range(len(w) - n - m + 1))


def _looped(words: list, begin: float, end: float) -> bool:
    """Did a clip get more words than anyone says in its time (DENSE per second, counting at
    least 2 s)? Then Whisper repeated itself: conditioned on its own last sentence it can
    loop on it, and the loop's words spill over the clips after it."""
    return len("".join(words).split()) > DENSE * max(end - begin, 2.0)


def transcribe_work(item: dict):
    """A work item's row, or a group's rows (see pipeline.items.grouped)."""
    return transcribe_group(item) if "members" in item else transcribe_item(item)


def build_parser():
    p = runner.file_stage_parser(__doc__)
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                   help="whisper: offline Whisper base; sphinx: offline CMU Sphinx (weaker); "
                        "google: Google's web API, as in the study (needs the internet)")
    p.add_argument("--chunk-seconds", type=positive_float, default=None,
                   help="split audio into pieces this long (default: the whole file for "
                        "whisper, 30 s for sphinx, 60 s for google)")
    p.add_argument("--language", default=None,
                   help="force a language, e.g. en or en-US (default: whisper detects it; "
                        "sphinx and google use en-US, the only model sphinx bundles)")
    p.add_argument("--group-seconds", type=non_negative_float, default=GROUP_SECONDS,
                   help="whisper with --language: read clips under half this long together, "
                        "up to this many seconds of audio at once (0: every clip alone)")
    p.add_argument("--threads", type=count, default=1,
                   help="CPU threads of each whisper worker process")
    p.add_argument("--timeout", type=positive_float, default=30.0,
                   help="seconds to wait for each google request")
    return p


def main(argv=None) -> int:
    p = build_parser()
    args = p.parse_args(argv)
    if why := language_problem(args.engine, args.language):
        p.error(why)
    audio = args.media / "audio"

    def make_item(id_, prev):
        return {"id": id_, "wav": str(audio / f"{id_}.wav"), "engine": args.engine,
                "chunk_seconds": args.chunk_seconds, "language": args.language,
                "timeout": args.timeout, "threads": args.threads}

    def size(item):
        seconds = clip_seconds(item["wav"])
        return seconds + GAP_SECONDS if seconds < args.group_seconds / 2 else float("inf")

    together = args.engine == "whisper" and args.language and args.group_seconds > 0
    return runner.run_stage(
        args, name=f"transcribe ({args.engine})", table=TABLE, columns=COLUMNS,
        source_table="audio", source_cmd="python -m pipeline.audio",
        source_sql="select id from audio where wav_path is not null order by id",
        state=runner.text_state("text"), make_item=make_item, fn=transcribe_work,
        group=(lambda work: runner.grouped(work, size, args.group_seconds)) if together else None)


if __name__ == "__main__":
    run_cli(main)
