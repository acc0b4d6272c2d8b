"""Turn a raw description into lowercase, accent-free tokens with clause and sentence positions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Apostrophes are kept inside words so contractions can be rewritten ("od'd") or joined ("don't" -> "dont").
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|[.!?;,:&\n]")
_SENTENCE_END = frozenset({".", "!", "?", ";", "\n"})
_CLAUSE_END = frozenset({",", ":"})
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def fold(text: str) -> str:
    """Lowercase and strip accents; Spanish keeps its meaning because rules are folded the same way."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@dataclass(frozen=True, slots=True)
class Doc:
    """Word tokens of one description plus where each clause and sentence starts."""

    tokens: tuple[str, ...]
    capitalized: tuple[bool, ...]
    clause: tuple[int, ...]
    sentence: tuple[int, ...]
    all_lowercase: bool


def tokenize(text: str, rewrites: Mapping[str, Sequence[str]]) -> Doc:
    """Split folded text into words; punctuation only advances clause/sentence counters."""
    stripped = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    tokens: list[str] = []
    caps: list[bool] = []
    clauses: list[int] = []
    sentences: list[int] = []
    clause = sentence = 0
    for match in _TOKEN_RE.finditer(stripped.lower()):
        raw = match.group()
        if raw in _SENTENCE_END:
            sentence += 1
            clause += 1
            continue
        if raw in _CLAUSE_END:
            clause += 1
            continue
        start = match.start()
        is_cap = stripped[start].isupper()
        replacement = rewrites.get(raw)
        words = list(replacement) if replacement is not None else [raw.replace("'", "")]
        for word in words:
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
