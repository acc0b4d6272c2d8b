"""Hashed text features for the statistical second opinion, computed from the engine's normalised tokens.

Words, word pairs, word stems and 3-5 letter pieces of words are hashed with blake2b (stable across processes,
unlike `hash()`) into a fixed number of buckets. Place names become one placeholder and numbers another, so
"Speedway and Campbell" or "1400" never teach the model anything about danger. The structure the rules read
(time phrases, denials; see RuleVerdict.marks) comes in as marks, so "last night" or "nobody was hurt" weigh the
same whatever words carry the event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from civic311.triage.normalize import Doc

# Bump when the features of a text change in any way; the shipped weights record the version they were trained with.
FEATURIZER_VERSION = "2"
BUCKETS = 1 << 20
CHAR_NGRAMS = (3, 4, 5)
PLACE = "_place_"
NUMBER = "_num_"
NEGATED = "~"
# Endings stripped for a word's stem, longest first, English and Spanish together: "burning"/"burned" and
# "quemando"/"quemado" each share a stem, so a form the training rows never used still counts.
# fmt: off
_ENDINGS = (
    "amiento", "imiento", "aciones", "iciones", "acion", "icion", "mente", "ando", "iendo", "ados", "idos", "adas",
    "idas", "ado", "ido", "ada", "ida", "ing", "ies", "ed", "es", "os", "as", "ly", "s", "o", "a", "e",
)
# fmt: on
_SUFFIXES = tuple(sorted(_ENDINGS, key=len, reverse=True))
_MIN_STEM = 4
# Bounds the per-process cache of feature strings to buckets; beyond it buckets are simply recomputed.
_CACHE_LIMIT = 100_000
_cache: dict[str, int] = {}


def bucket(feature: str) -> int:
    """The bucket of one feature string: the first eight bytes of its blake2b digest, modulo BUCKETS."""
    found = _cache.get(feature)
    if found is None:
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        found = int.from_bytes(digest, "big") % BUCKETS
        if len(_cache) < _CACHE_LIMIT:
            _cache[feature] = found
    return found


def words(doc: Doc, mask: Sequence[bool], negated: Sequence[bool]) -> list[tuple[str, int]]:
    """The words the model sees with their sentence numbers.

    A run of place-name tokens becomes one placeholder, a number another, and a word a negator reaches is marked
    ("not bleeding" -> "not ~bleeding"), so the model can learn that "no one is hurt" is calm.
    """
    seen: list[tuple[str, int]] = []
    for token, is_place, is_negated, sentence in zip(doc.tokens, mask, negated, doc.sentence, strict=True):
        if is_place:
            if seen and seen[-1] == (PLACE, sentence):
                continue
            seen.append((PLACE, sentence))
        elif token.isdigit():
            seen.append((NUMBER, sentence))
        else:
            seen.append((NEGATED + token if is_negated else token, sentence))
    return seen


def stem(word: str) -> str:
    """The word without its longest known ending, when at least _MIN_STEM letters remain."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def feature_strings(doc: Doc, mask: Sequence[bool], negated: Sequence[bool], marks: Sequence[str] = ()) -> list[str]:
    """Every feature of a text as a namespaced string, for inspection and tests; repeats are kept."""
    sequence = words(doc, mask, negated)
    found: list[str] = [f"m {mark}" for mark in marks]
    for i, (word, sentence) in enumerate(sequence):
        found.append(f"w {word}")
        if i + 1 < len(sequence) and sequence[i + 1][1] == sentence:
            found.append(f"b {word} {sequence[i + 1][0]}")
        if word in (PLACE, NUMBER):
            continue
        # Negated words get their own letter pieces too: "~<blee" is calm where "<blee" is not.
        mark = ""
        if word.startswith(NEGATED):
            mark, word = NEGATED, word[1:]
        root = stem(word)
        if root != word:
            found.append(f"s {mark}{root}")
        padded = f"<{word}>"
        for n in CHAR_NGRAMS:
            found.extend(f"c {mark}{padded[j : j + n]}" for j in range(len(padded) - n + 1))
    return found


def featurize(doc: Doc, mask: Sequence[bool], negated: Sequence[bool], marks: Sequence[str] = ()) -> list[int]:
    """The distinct buckets present in a text, sorted; each counts once (presence, not frequency)."""
    return sorted({bucket(feature) for feature in feature_strings(doc, mask, negated, marks)})
