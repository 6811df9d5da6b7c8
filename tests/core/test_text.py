import pytest

from core.text import Normaliser, char_ngrams, tokeniser, word_tokens

JL = {"😅": ":sweat_smile:", "α": "alpha", "’": "rq", "—": "emdash"}


@pytest.fixture
def default():
    return Normaliser("default")


@pytest.fixture
def study():
    return Normaliser("study2022", JL)


def test_emoji_become_names_in_default_mode(default):
    assert default("so tired 😅") == "so tired :sweat_smile:"
    assert word_tokens(default("so tired 😅")) == ["so", "tired", "sweat_smile"]


def test_study_mode_uses_the_table_then_drops_unnamed_emoji(study):
    assert study("so tired 😅") == "so tired :sweat_smile:"
    assert study("fire 🔥") == "fire "  # not in the table: unidecode drops it


def test_greek_letters(default, study):
    assert default("α particle") == "a particle"
    assert study("α particle") == "alpha particle"


def test_japanese_becomes_romaji(default):
    assert word_tokens(default("日本")) == ["ri", "ben"]


def test_curly_quotes(default, study):
    assert word_tokens(default("don’t")) == ["dont"]
    assert word_tokens(study("don’t")) == ["donrqt"]  # the study's Unidecode.jl name


def test_lower_case_and_symbols_kept(default):
    assert word_tokens(default("Follow @Chef_Maria #Pasta!!")) == ["follow", "@chef_maria", "#pasta"]


def test_delimiters_split_words(default):
    assert word_tokens(default("input/output--test - x")) == ["input", "output", "test", "x"]
    assert word_tokens(default("a  \t b")) == ["a", "b"]


def test_ngrams_squash_delimiters_to_one_space(default):
    assert char_ngrams(default("ab / cd"), 4) == ["ab c", "b cd"]


def test_ngrams_at_field_edges_and_short_fields():
    assert char_ngrams("abcde", 4) == ["abcd", "bcde"]
    assert char_ngrams("abcd", 4) == ["abcd"]
    assert char_ngrams("abc", 4) == []
    assert char_ngrams("", 2) == []


def test_ngram_deletes_symbols_before_slicing():
    assert char_ngrams("a!b?c", 3) == ["abc"]


def test_tokeniser_names():
    assert tokeniser("word") is word_tokens
    assert tokeniser("5gram")("abcdef") == ["abcde", "bcdef"]
    assert len(tokeniser("12gram")("a" * 13)) == 2
    for bad in ("1gram", "gram", "words", "4-gram", "13gram", "999999gram"):   # n past 12 matches nothing
        with pytest.raises(ValueError, match="unknown tokenisation"):
            tokeniser(bad)


def test_modes_validated():
    with pytest.raises(ValueError, match="unknown normalisation mode"):
        Normaliser("fancy")
    with pytest.raises(ValueError, match="unidecode_jl_map"):
        Normaliser("study2022")


def test_empty_and_none(default):
    assert default(None) == "" and default("") == ""
