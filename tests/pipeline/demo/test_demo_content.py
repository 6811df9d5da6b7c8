"""The demo's hand-written content: every topic has what the generator samples, every
template uses only the placeholders it fills, and every hero has a well-formed query
written from memory rather than copied from the video."""
import re

import pytest

from pipeline.demo.content import AUTHORS, COMMENTERS, FIRST, HEROES, SONGS, SUFFIX, TOPICS

KEYS = {"tags", "emoji", "subjects", "captions", "screens", "scripts", "descs", "comments"}
PLACEHOLDER = re.compile(r"\{[^}]*\}")


@pytest.mark.parametrize("name", sorted(TOPICS))
def test_a_topic_has_every_list_the_generator_samples(name):
    topic = TOPICS[name]
    assert set(topic) == KEYS and all(topic[k] for k in KEYS)
    assert all(t.startswith("#") and " " not in t for t in topic["tags"])
    for k in ("captions", "scripts", "descs", "comments"):
        for template in topic[k]:
            assert set(PLACEHOLDER.findall(template)) <= {"{S}", "{s}", "{e}", "{t}"}, template
    assert all("{S}" in c or "{s}" in c for c in topic["captions"] + topic["scripts"])


def test_names_for_distractors():
    assert len(TOPICS) >= 10 and len(set(FIRST)) == len(FIRST) and len(set(COMMENTERS)) == len(COMMENTERS)
    assert all(" - " in s for s in SONGS) and SUFFIX and len(AUTHORS) == len(set(AUTHORS)) >= 4


def test_every_hero_has_a_topic_and_a_query_written_from_memory():
    assert len(HEROES) >= 30 and len({h["user"] for h in HEROES}) == len(HEROES)
    for h in HEROES:
        assert h["topic"] in TOPICS and h["user"].startswith("@") and h["caption"] == h["caption"].upper()
        assert h["comments"] and h["script"] and h["desc"] and h["music"] and h["nick"]
        text, author, *tags = h["query"]
        assert author in AUTHORS and len(tags) == 5 and set(tags) <= {0, 1}
        assert text == text.lower() and text not in h["script"].lower() and text not in h["desc"].lower()
    assert {h["topic"] for h in HEROES} == set(TOPICS)   # a hero in every topic
