"""Find street names, cross streets and addresses, so "Fire Station Rd" or "Grant" never act as cues."""

from __future__ import annotations

from typing import NamedTuple

from civic311.triage.normalize import Doc

_MAX_NAME_WORDS = 3


class Gazetteer(NamedTuple):
    """Street vocabulary from places.json."""

    suffixes: frozenset[str]
    ambiguous_suffixes: frozenset[str]
    streets: frozenset[str]
    street_heads: frozenset[str]
    directions: frozenset[str]
    function_words: frozenset[str]
    location_prepositions: frozenset[str]
    joiners: frozenset[str]
    articles: frozenset[str]
    leading_types: frozenset[str]


def _is_number(token: str) -> bool:
    return token.isdigit() or (token[:-2].isdigit() and token[-2:] in {"st", "nd", "rd", "th"})


def _street_at(tokens: tuple[str, ...], i: int, gaz: Gazetteer) -> int:
    """Length of a known street name starting at i (one or two words), or 0."""
    if i + 1 < len(tokens) and f"{tokens[i]} {tokens[i + 1]}" in gaz.streets:
        return 2
    if i < len(tokens) and (tokens[i] in gaz.streets or _is_number(tokens[i])):
        return 1
    return 0


def location_mask(doc: Doc, gaz: Gazetteer) -> list[bool]:
    """True for every token that is part of a place name rather than part of what happened."""
    tokens = doc.tokens
    n = len(tokens)
    mask = [False] * n

    def name_word(j: int) -> bool:
        token = tokens[j]
        if token in gaz.function_words or doc.clause[j] != doc.clause[min(j + 1, n - 1)]:
            return False
        # A typed form capitalises street names; an all-lowercase phone transcript gives no such hint.
        return doc.all_lowercase or doc.capitalized[j] or token in gaz.street_heads or _is_number(token)

    # "<name words> Rd": walk back over the name; "way", "circle" and the like need a capital or a number.
    for i in [k for k, t in enumerate(tokens) if t in gaz.suffixes]:
        token = tokens[i]
        if i == 0:
            continue
        if token in gaz.ambiguous_suffixes and not (doc.capitalized[i] or _is_number(tokens[i - 1])):
            continue
        j = i - 1
        while j >= 0 and i - j <= _MAX_NAME_WORDS and name_word(j) and doc.clause[j] == doc.clause[i]:
            j -= 1
        if j < i - 1:
            for k in range(j + 1, i + 1):
                mask[k] = True
            # "1400 E Lester St": the house number and direction belong to the same address.
            while j >= 0 and (
                tokens[j] in gaz.directions or _is_number(tokens[j]) or tokens[j] == "block" or tokens[j] == "of"
            ):
                mask[j] = True
                j -= 1

    # "1400 E Lester" / "2200 E Drachman": a house number, a direction and a name.
    for i in [k for k, t in enumerate(tokens[:-2]) if t.isdigit()]:
        if len(tokens[i]) >= 3 and tokens[i + 1] in gaz.directions:
            length = _street_at(tokens, i + 2, gaz) or 1
            for k in range(i, min(n, i + 2 + length)):
                mask[k] = True

    # Cross streets: "Speedway and Campbell", "la Park y la 36", "Grant & Alvernon".
    for i in [k for k, t in enumerate(tokens) if t in gaz.joiners]:
        if i == 0:
            continue
        left_start = i - 1
        if left_start >= 1 and f"{tokens[i - 2]} {tokens[i - 1]}" in gaz.streets:
            left_start = i - 2
        right = i + 1
        if right < n and tokens[right] in gaz.articles:
            right += 1
        right_len = _street_at(tokens, right, gaz)
        left_known = tokens[i - 1] in gaz.streets or _is_number(tokens[i - 1]) or left_start == i - 2
        if left_known and right_len and not (tokens[i - 1].isdigit() and tokens[right].isdigit()):
            for k in range(left_start, right + right_len):
                mask[k] = True
            if left_start >= 1 and tokens[left_start - 1] in gaz.articles:
                mask[left_start - 1] = True

    # "Calle Marte", "Camino Seco": the street type comes first in Spanish names.
    for i in [k for k, t in enumerate(tokens[:-1]) if t in gaz.leading_types]:
        if doc.capitalized[i + 1] or _street_at(tokens, i + 1, gaz):
            mask[i] = mask[i + 1] = True
            if i + 2 < n and doc.capitalized[i + 2] and tokens[i + 2] not in gaz.function_words:
                mask[i + 2] = True

    # "on Grant", "off Ajo", "en la Valencia", "por la Stone".
    for i in [k for k, t in enumerate(tokens) if t in gaz.location_prepositions]:
        token = tokens[i]
        j = i + 1
        if j < n and tokens[j] in gaz.articles and token in {"en", "por", "de", "cerca"}:
            j += 1
        length = _street_at(tokens, j, gaz)
        if length and not tokens[j].isdigit():
            for k in range(j, j + length):
                mask[k] = True
    return mask
