"""Language detection on short and mixed texts, the hint rule, and the signals staff see."""

from __future__ import annotations

import pytest

from civic311.triage import triage
from civic311.triage.language import normalise_hint


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("pothole on 22nd street", "en"),
        ("bache en la Irvington", "es"),
        ("hay un perro suelto", "es"),
        ("loose dog on my street", "en"),
        ("mi troca got broken into anoche en la calle", "es"),
        ("my abuelita needs groceries", "en"),
        ("¿dónde dan despensas?", "es"),
        ("the streetlight on Calle Marte and Camino Seco is out", "en"),
        ("ocupo ayuda con la renta", "es"),
    ],
)
def test_language_is_detected_from_the_words(text: str, language: str) -> None:
    assert triage(text).language == language


def test_a_valid_hint_wins_over_detection() -> None:
    assert triage("pothole on 22nd street", language="es").language == "es"
    assert triage("bache en la Irvington", language="EN").language == "en"
    assert triage("bache en la Irvington", language="es-MX").language == "es"


def test_an_invalid_hint_is_ignored() -> None:
    assert triage("bache en la Irvington", language="fr").language == "es"
    assert normalise_hint("klingon") is None
    assert normalise_hint(None) is None


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("he's not breathing", "not-breathing"),
        ("a man is pointing a gun at people", "weapon-now"),
        ("there's no fire, just the smoke alarm chirping", "negated:fire"),
        ("someone got shot here last week", "past-tense:weapon-threat"),
        ("my neighbor's music is killing me", "idiom:killing-me"),
        ("the fire hydrant is leaking", "idiom:fire-compound"),
        ("pothole on 5th", "cue:road-surface"),
        ("please send an amblance", "typo:ambulance"),
        ("Fire Station Rd has a pothole", "place-name-ignored"),
        ("I feel hopeless and can't cope", "emotional-distress"),
    ],
)
def test_signals_show_which_rule_fired(text: str, signal: str) -> None:
    assert signal in triage(text).signals


def test_signals_are_unique_short_ids() -> None:
    signals = triage("my dad is not breathing, not breathing at all, please send an ambulance").signals
    assert len(signals) == len(set(signals))
    assert all(" " not in s and len(s) < 60 for s in signals)
