"""Fuzzy matching of a caller's words to the gazetteer's streets and landmarks, with the scores search ranks by."""

from __future__ import annotations

from difflib import SequenceMatcher

from local_stack.gazetteer.index import Gazetteer, Landmark, Street
from local_stack.gazetteer.text import landmark_key, street_key

STREET_MATCH = 0.7  # below this a fuzzy street name is more likely a different word
LANDMARK_MATCH = 0.6


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def match_streets(g: Gazetteer, fragment: str) -> list[tuple[Street, float]]:
    """Streets a fragment may name, with a 0..1 score; tolerant of typos and missing types."""
    key = street_key(fragment)
    if not key.core:
        return []
    matches: list[tuple[Street, float]] = []
    for street in g.streets:
        best = 0.0
        for candidate in street.keys:
            if candidate == key.core:
                best = 1.0
                break
            # Short names ("Ina", "Ajo", "6th") are too easy to hit by accident: exact only.
            if min(len(candidate), len(key.core)) < 4:
                continue
            ratio = _similarity(key.core, candidate)
            if ratio >= 0.8:
                best = max(best, ratio * 0.95)
        if best == 0.0:
            continue
        if key.street_type and street.types and key.street_type not in street.types:
            best -= 0.2  # "6th St" should prefer 6th St over 6th Ave, but still find either
        if best >= STREET_MATCH:
            matches.append((street, best))
    return sorted(matches, key=lambda m: -m[1])


def match_landmarks(g: Gazetteer, text: str) -> list[tuple[Landmark, float]]:
    query = landmark_key(text)
    if not query:
        return []
    words = set(query.split())
    matches: list[tuple[Landmark, float]] = []
    for landmark in g.landmarks:
        best = 0.0
        for key in landmark.keys:
            if key == query:
                best = 1.0
                break
            ratio = _similarity(query, key)
            score = ratio * 0.95 if ratio >= 0.85 else 0.0
            key_words = set(key.split())
            # Whole-word containment only for names long enough not to occur by chance.
            if len(key) >= 4 and key_words <= words:
                score = max(score, 0.9 - 0.1 * len(words - key_words))
            elif len(query) >= 4 and words <= key_words:
                score = max(score, 0.55 + 0.35 * len(words) / len(key_words))
            best = max(best, score)
        if best >= LANDMARK_MATCH:
            matches.append((landmark, best))
    return matches
