"""What the model reads besides the words (stems, the text's time and denials), and cross-validation that keeps
each held-out file out of the model that measures it."""

from __future__ import annotations

import pytest

from civic311.triage.engine import TriageEngine
from civic311.triage.features import feature_strings, featurize, stem
from civic311.triage.lexicon import load_rules


@pytest.fixture(scope="module")
def engine() -> TriageEngine:
    return TriageEngine(load_rules())


@pytest.mark.parametrize(
    "forms",
    [("burning", "burned", "burns"), ("quemando", "quemado", "quemada"), ("flooding", "flooded")],
)
def test_forms_of_one_word_share_a_stem_in_english_and_spanish(forms: tuple[str, ...]) -> None:
    assert len({stem(word) for word in forms}) == 1


def test_short_words_keep_their_letters_rather_than_lose_their_meaning() -> None:
    assert stem("gas") == "gas"
    assert stem("casa") == "casa"


@pytest.mark.parametrize(
    "text",
    ["the roof collapsed last night, nobody was hurt", "se cayó el techo anoche, nadie salió herido"],
)
def test_an_event_over_and_done_with_harm_denied_is_marked_so_in_both_languages(
    engine: TriageEngine, text: str
) -> None:
    marks = engine.judge(text).marks
    assert {"time:over-only", "negation", "past-tense:danger"} <= set(marks)


def test_an_event_under_way_is_not_marked_over(engine: TriageEngine) -> None:
    marks = engine.judge("the bathroom is flooding right now and water is reaching the outlets").marks
    assert "time:over-only" not in marks
    assert "time:present" in marks


def test_the_model_reads_the_marks_beside_the_words(engine: TriageEngine) -> None:
    verdict = engine.judge("the roof collapsed last night, nobody was hurt")
    features = feature_strings(verdict.doc, verdict.mask, verdict.negated, verdict.marks)
    assert "m time:over-only" in features
    assert any(f.startswith("s ") for f in features)


def test_the_marks_never_carry_the_rules_own_live_answer(engine: TriageEngine) -> None:
    verdict = engine.judge("my neighbor is not breathing and his lips are blue")
    assert verdict.emergency
    assert not any(mark.startswith("live") or mark.startswith("danger") for mark in verdict.marks)


def test_a_held_out_file_is_scored_by_a_model_that_never_saw_its_labels(engine: TriageEngine) -> None:
    pytest.importorskip("sklearn")
    import dataclasses

    import numpy as np

    from civic311.triage.evaluation import DEFAULT_FILE, Row, load_rows
    from civic311.triage.fitting import Example, design, scored_apart

    examples = []
    for row in load_rows(DEFAULT_FILE)[:120]:
        verdict = engine.judge(row.text)
        buckets = featurize(verdict.doc, verdict.mask, verdict.negated, verdict.marks)
        examples.append(Example(row, verdict, buckets, DEFAULT_FILE.name))
    train, test = np.arange(0, 80), np.arange(80, 120)
    before = scored_apart(examples, design(examples), [(train, test)])
    # Flipping every held-out label leaves their scores alone; flipping training labels moves them.
    flipped_test = [
        dataclasses.replace(
            e, row=Row(e.row.text, e.row.language, not e.row.emergency, e.row.crisis, e.row.service_code)
        )
        if i >= 80
        else e
        for i, e in enumerate(examples)
    ]
    same = scored_apart(flipped_test, design(flipped_test), [(train, test)])
    assert np.allclose(before.emergency[test], same.emergency[test])
    flipped_train = [
        dataclasses.replace(
            e, row=Row(e.row.text, e.row.language, not e.row.emergency, e.row.crisis, e.row.service_code)
        )
        if i < 80
        else e
        for i, e in enumerate(examples)
    ]
    moved = scored_apart(flipped_train, design(flipped_train), [(train, test)])
    assert not np.allclose(before.emergency[test], moved.emergency[test])
