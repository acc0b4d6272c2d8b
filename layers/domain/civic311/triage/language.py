"""Decide English or Spanish from stopwords and Spanish-only characters; works on short and mixed texts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

Language = Literal["en", "es"]

# One accented letter or inverted mark says more than one shared-looking word.
_CHARACTER_WEIGHT = 1.5


def normalise_hint(hint: str | None) -> Language | None:
    """Accept "es", "ES", "es-MX", "en_US"; anything else is ignored."""
    if not hint:
        return None
    primary = hint.strip().lower().replace("_", "-").split("-")[0]
    if primary == "en":
        return "en"
    if primary == "es":
        return "es"
    return None


def detect_language(
    raw: str,
    tokens: Sequence[str],
    masked: Sequence[bool],
    stopwords: Mapping[str, frozenset[str]],
    spanish_characters: str,
) -> Language:
    """Count each language's function words outside place names; ties go to English."""
    words = [token for token, is_place in zip(tokens, masked, strict=True) if not is_place]
    english = float(sum(1 for token in words if token in stopwords["en"]))
    spanish = float(sum(1 for token in words if token in stopwords["es"]))
    if not raw.isascii():
        spanish += _CHARACTER_WEIGHT * sum(1 for ch in raw if ch in spanish_characters)
    return "es" if spanish > english else "en"
