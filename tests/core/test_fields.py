"""The field table and what is read from it: basic and enrichment columns, configuration names
of enrichment sets, the columns and fields indexed for one, attribution blocks, passages."""
import pytest

from core.fields import (ALL_FIELDS, BASIC, BASIC_FIELDS, BY_NAME, COLUMN_FIELD, ENRICHMENT, ENRICHMENT_ORDER,
                         PREFIX, STUDY_ENRICHMENT, TABLE, active_fields, block_of, enrichment_name, enrichment_subsets, fields_for)


def test_the_table_names_basic_and_enrichment_fields():
    assert [f.name for f in TABLE] == ["creator", "desc", "music", "sr", "ocr", "c", "screen"]
    assert BASIC_FIELDS == ("creator", "desc", "music")
    assert BASIC == ("creator_username", "creator_nickname", "description", "music_title")
    assert ENRICHMENT_ORDER == ("sr", "ocr", "c", "screen") and STUDY_ENRICHMENT == ("sr", "ocr", "c")
    assert ENRICHMENT == {"sr": "speech_to_text", "ocr": "coverphoto_ocr", "c": "comment_text",
                          "screen": "onscreen_text"}
    assert PREFIX == {"sr": "sr:", "ocr": "ocr:", "c": "c:", "screen": "screen:"}
    assert ALL_FIELDS == BASIC + ("speech_to_text", "coverphoto_ocr", "comment_text", "onscreen_text")


def test_every_column_belongs_to_one_field():
    assert len(COLUMN_FIELD) == len(ALL_FIELDS) == len(set(ALL_FIELDS))
    assert COLUMN_FIELD["creator_nickname"] is BY_NAME["creator"] is COLUMN_FIELD["creator_username"]
    assert all(f.default_weight == 1.0 and f.display for f in TABLE)


def test_a_creator_passage_reads_the_nickname_only():
    assert BY_NAME["creator"].passage == ("creator_nickname",)
    assert BY_NAME["desc"].passage == ("description",) and BY_NAME["c"].passage == ("comment_text",)


def test_enrichment_subsets_in_the_studys_order():
    subsets = enrichment_subsets()
    assert [enrichment_name(s) for s in subsets] == ["basic", "sr", "ocr", "c", "sr+ocr", "sr+c", "ocr+c", "sr+ocr+c"]
    assert len(set(subsets)) == 8 and all(isinstance(s, frozenset) for s in subsets)
    assert len(enrichment_subsets(ENRICHMENT_ORDER)) == 16


@pytest.mark.parametrize("enrichment, name, columns, fields", [
    (set(), "basic", (), ["creator", "desc", "music"]),
    ({"c", "sr"}, "sr+c", ("speech_to_text", "comment_text"), ["creator", "desc", "music", "sr", "c"]),
    (("ocr",), "ocr", ("coverphoto_ocr",), ["creator", "desc", "music", "ocr"]),
    (frozenset({"ocr", "c", "sr"}), "sr+ocr+c", ("speech_to_text", "coverphoto_ocr", "comment_text"),
     ["creator", "desc", "music", "sr", "ocr", "c"]),
    ({"screen", "ocr"}, "ocr+screen", ("coverphoto_ocr", "onscreen_text"),
     ["creator", "desc", "music", "ocr", "screen"]),
])
def test_what_an_enrichment_set_indexes(enrichment, name, columns, fields):
    assert enrichment_name(enrichment) == name
    assert fields_for(enrichment) == BASIC + columns
    assert active_fields(enrichment) == fields


def test_attribution_blocks():
    assert block_of("description") == "basic" and block_of("creator_username") == "basic"
    assert block_of("speech_to_text") == "sr" and block_of("comment_text") == "c"
    assert block_of("onscreen_text") == "screen"
    with pytest.raises(KeyError, match="unknown field 'likes'; known: creator_username"):
        block_of("likes")
