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
Whisper reads the whole file (it works in 30 s windows itself). A piece with no recognisable
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
import sys
import time
from pathlib import Path

from pipeline import items as runner

TABLE = "transcripts"
COLUMNS = {"id": str, "text": str, "engine": str, "language": str, "error": str,
           "seconds": float}
ENGINES = ("whisper", "sphinx", "google")
DEFAULT_ENGINE = "whisper"
DEFAULT_CHUNK = {"whisper": None, "sphinx": 30.0, "google": 60.0}   # None: the whole file


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


def build_parser():
    p = runner.file_stage_parser(__doc__)
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                   help="whisper: offline Whisper base; sphinx: offline CMU Sphinx (weaker); "
                        "google: Google's web API, as in the study (needs the internet)")
    p.add_argument("--chunk-seconds", type=float, default=None,
                   help="split audio into pieces this long (default: the whole file for "
                        "whisper, 30 s for sphinx, 60 s for google)")
    p.add_argument("--language", default=None,
                   help="force a language, e.g. en or en-US (default: whisper detects it; "
                        "sphinx and google use en-US, the only model sphinx bundles)")
    p.add_argument("--threads", type=int, default=1,
                   help="CPU threads of each whisper worker process")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="seconds to wait for each google request")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    audio = args.media / "audio"

    def make_item(id_, prev):
        return {"id": id_, "wav": str(audio / f"{id_}.wav"), "engine": args.engine,
                "chunk_seconds": args.chunk_seconds, "language": args.language,
                "timeout": args.timeout, "threads": args.threads}

    return runner.run_stage(
        args, name=f"transcribe ({args.engine})", table=TABLE, columns=COLUMNS,
        source_table="audio", source_cmd="python -m pipeline.audio",
        source_sql="select id from audio where wav_path is not null order by id",
        state=runner.text_state("text"), make_item=make_item, fn=transcribe_item)


if __name__ == "__main__":
    sys.exit(main())
