"""Turn a raw description into lowercase, accent-free tokens with clause and sentence positions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import NamedTuple

# Apostrophes are kept inside words so contractions can be rewritten ("od'd") or joined ("don't" -> "dont").
_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*|[.!?;,:&\n]")
_SENTENCE_END = frozenset({".", "!", "?", ";", "\n"})
_CLAUSE_END = frozenset({",", ":"})
_APOSTROPHES = ("\u2019", "\u2018", "`", "\u00b4")


def _strip_accents(text: str) -> str:
    for mark in _APOSTROPHES:
        if mark in text:
            text = text.replace(mark, "'")
    if text.isascii():
        return text
    # Decomposing then dropping what is not ASCII removes accents (á -> a, ñ -> n) and stray symbols alike.
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def fold(text: str) -> str:
    """Lowercase and strip accents; Spanish keeps its meaning because rules are folded the same way."""
    return _strip_accents(text).lower()


class Doc(NamedTuple):
    """Word tokens of one description plus where each clause and sentence starts."""

    tokens: tuple[str, ...]
    capitalized: tuple[bool, ...]
    clause: tuple[int, ...]
    sentence: tuple[int, ...]
    all_lowercase: bool


def tokenize(
    text: str, rewrites: Mapping[str, Sequence[str]], joins: Mapping[tuple[str, str], str] | None = None
) -> Doc:
    """Split folded text into words; punctuation only advances clause/sentence counters."""
    tokens: list[str] = []
    caps: list[bool] = []
    clauses: list[int] = []
    sentences: list[int] = []
    clause = sentence = 0
    for original in _TOKEN_RE.findall(_strip_accents(text)):
        if len(original) == 1 and not original.isalnum():
            if original in _SENTENCE_END:
                sentence += 1
                clause += 1
                continue
            if original in _CLAUSE_END:
                clause += 1
                continue
        raw = original.lower()
        is_cap = original[0].isupper()
        replacement = rewrites.get(raw)
        words = (raw.replace("'", "") if "'" in raw else raw,) if replacement is None else replacement
        for word in words:
            if joins and tokens and clauses[-1] == clause:
                joined = joins.get((tokens[-1], word))
                if joined is not None:
                    tokens[-1] = joined
                    continue
            tokens.append(word)
            caps.append(is_cap)
            clauses.append(clause)
            sentences.append(sentence)
    return Doc(
        tokens=tuple(tokens),
        capitalized=tuple(caps),
        clause=tuple(clauses),
        sentence=tuple(sentences),
        all_lowercase=not any(caps),
    )
