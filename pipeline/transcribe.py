"""Transcribe every extracted WAV with SpeechRecognition (offline CMU Sphinx by default).

Reads the ids with a WAV (`audio.wav_path` not NULL) and writes one `transcripts` row per
item, committed as soon as it is done: `id, text, engine, error, seconds`, from
MEDIA/audio/{id}.wav. `--engine sphinx` (the default) runs `Recognizer.recognize_sphinx`
offline with the US English model bundled in SpeechRecognition's wheel (one decoder per
worker process, as recognize_sphinx would build but only once); `--engine google`
calls Google's free web API as the study did (it needs the internet: without it every item
gets text NULL and a "request error" reason). Audio is split into --chunk-seconds pieces
(30 s for sphinx, 60 s for google, whose limit is about 2 minutes), transcribed one by one
and joined with spaces; a piece with no recognisable speech contributes nothing, so silence
gives "" (not a failure). A missing or unreadable WAV or an engine failure gives text NULL
and the reason in `error`. A rerun does only new items (`--retry-failed` also redoes NULL
results, e.g. after switching to `--engine sphinx`).

Exit status: 0 when every pending item was recorded and at least one was transcribed (or
nothing was pending); 1 when all pending items failed (e.g. google without a network) or
some could not be recorded.
"""
from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

from pipeline import items as runner

TABLE = "transcripts"
COLUMNS = {"id": str, "text": str, "engine": str, "error": str, "seconds": float}
ENGINES = ("sphinx", "google")
DEFAULT_CHUNK = {"sphinx": 30.0, "google": 60.0}


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


def transcribe_wav(path, engine="sphinx", *, chunk_seconds=None, language="en-US",
                   timeout=30.0) -> str:
    """Transcribe a WAV file chunk by chunk; raises on an unreadable file or engine error."""
    import speech_recognition as sr

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    chunk = chunk_seconds or DEFAULT_CHUNK[engine]
    r = sr.Recognizer()
    r.operation_timeout = timeout  # google: never wait forever on the network
    parts = []
    with sr.AudioFile(str(path)) as source:
        while True:  # record() reads whole buffers, so pieces are slightly under `chunk`
            audio = r.record(source, duration=chunk)
            if not audio.frame_data:
                break
            text = recognize(r, audio, engine, language).strip()
            if text:
                parts.append(text)
    return " ".join(parts)


def transcribe_item(item: dict) -> dict:
    """Pure per-item work: one WAV's transcript as a `transcripts` row."""
    import speech_recognition as sr

    start = time.perf_counter()
    path, engine = Path(item["wav"]), item.get("engine", "sphinx")
    text, error = None, None
    try:
        if not path.is_file():
            raise FileNotFoundError(path)
        text = transcribe_wav(path, engine, chunk_seconds=item.get("chunk_seconds"),
                              language=item.get("language", "en-US"),
                              timeout=item.get("timeout", 30.0))
    except FileNotFoundError as e:
        error = f"missing file: {e}"
    except sr.RequestError as e:
        error = f"request error: {e}"
    except (ValueError, EOFError, OSError) as e:  # not a readable PCM WAV
        error = f"unreadable audio: {type(e).__name__}: {e}"
    return {"id": item["id"], "text": text, "engine": engine, "error": error,
            "seconds": round(time.perf_counter() - start, 3)}


def build_parser():
    p = runner.file_stage_parser(__doc__)
    p.add_argument("--engine", choices=ENGINES, default="sphinx",
                   help="sphinx: offline CMU Sphinx; google: Google's web API, as in the study "
                        "(needs the internet)")
    p.add_argument("--chunk-seconds", type=float, default=None,
                   help="split audio into pieces this long (default: 30 for sphinx, 60 for "
                        "google)")
    p.add_argument("--language", default="en-US",
                   help="language tag (sphinx bundles only en-US)")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="seconds to wait for each google request")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    audio = args.media / "audio"

    def make_item(id_, prev):
        return {"id": id_, "wav": str(audio / f"{id_}.wav"), "engine": args.engine,
                "chunk_seconds": args.chunk_seconds, "language": args.language,
                "timeout": args.timeout}

    return runner.run_stage(
        args, name=f"transcribe ({args.engine})", table=TABLE, columns=COLUMNS,
        source_table="audio", source_cmd="python -m pipeline.audio",
        source_sql="select id from audio where wav_path is not null order by id",
        state=runner.text_state("text"), make_item=make_item, fn=transcribe_item)


if __name__ == "__main__":
    sys.exit(main())
