"""pipeline.finetune: clear errors before any model is loaded (the training itself is tested
in tests/core/test_finetune.py)."""
from core.store import write_corpus


def test_the_stage_refuses_a_corpus_without_comments(tmp_path, capsys):
    from pipeline import finetune
    db = tmp_path / "tiktoks.db"
    write_corpus(db, [{"id": "1", "description": "x", "usable": 1}], [])
    assert finetune.main(["--db", str(db), "--out", str(tmp_path / "m")]) == 2
    assert "no comments" in capsys.readouterr().err and not (tmp_path / "m").exists()
