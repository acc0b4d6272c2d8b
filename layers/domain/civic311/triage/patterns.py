"""A tiny token-pattern language for the rule files, and a matcher that finds every hit in one pass.

Pattern syntax, one element per space-separated item:
    word          the exact folded word
    a|b|c         any of the alternatives; each alternative may be `pre*`, `*suf` or `#lo-hi` (a number)
    @class        any word of a named word class from context.json
    elem?         the element is optional
    ~N            up to N arbitrary words (never across a sentence end)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class PatternError(ValueError):
    """A rule pattern that cannot be compiled."""


@dataclass(frozen=True, slots=True)
class Element:
    """One position of a pattern."""

    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    numbers: tuple[tuple[int, int], ...] = ()
    optional: bool = False
    gap: int = 0

    def accepts(self, token: str) -> bool:
        if token in self.words:
            return True
        if any(token.startswith(p) for p in self.prefixes):
            return True
        if any(token.endswith(s) for s in self.suffixes):
            return True
        if self.numbers and token.isdigit():
            value = int(token)
            return any(lo <= value <= hi for lo, hi in self.numbers)
        return False


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled pattern that belongs to one rule entry."""

    entry_id: str
    source: str
    elements: tuple[Element, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """A pattern matched tokens[start:end]."""

    entry_id: str
    start: int
    end: int


def _compile_alternative(alt: str, element_words: set[str], prefixes: list[str], suffixes: list[str],
                         numbers: list[tuple[int, int]], source: str) -> None:
    if alt.startswith("#"):
        try:
            lo_text, hi_text = alt[1:].split("-")
            numbers.append((int(lo_text), int(hi_text)))
        except ValueError as exc:
            raise PatternError(f"bad number range {alt!r} in {source!r}") from exc
    elif alt.endswith("*") and len(alt) > 2:
        prefixes.append(alt[:-1])
    elif alt.startswith("*") and len(alt) > 2:
        suffixes.append(alt[1:])
    elif alt and alt.replace("'", "").isalnum():
        element_words.add(alt)
    else:
        raise PatternError(f"bad alternative {alt!r} in {source!r}")


def compile_pattern(entry_id: str, source: str, classes: Mapping[str, frozenset[str]]) -> Pattern:
    """Compile one already-folded pattern string."""
    elements: list[Element] = []
    for item in source.split():
        if item.startswith("~"):
            if not item[1:].isdigit():
                raise PatternError(f"bad gap {item!r} in {source!r}")
            elements.append(Element(gap=int(item[1:])))
            continue
        optional = item.endswith("?")
        body = item[:-1] if optional else item
        words: set[str] = set()
        prefixes: list[str] = []
        suffixes: list[str] = []
        numbers: list[tuple[int, int]] = []
        for alt in body.split("|"):
            if alt.startswith("@"):
                if alt[1:] not in classes:
                    raise PatternError(f"unknown word class {alt!r} in {source!r}")
                words.update(classes[alt[1:]])
            else:
                _compile_alternative(alt, words, prefixes, suffixes, numbers, source)
        elements.append(Element(frozenset(words), tuple(prefixes), tuple(suffixes), tuple(numbers), optional))
    if not elements or elements[0].gap or elements[0].optional:
        raise PatternError(f"pattern must start with a required word: {source!r}")
    if elements[-1].gap:
        raise PatternError(f"pattern must not end with a gap: {source!r}")
    return Pattern(entry_id, source, tuple(elements))


def _match_from(elements: tuple[Element, ...], k: int, tokens: tuple[str, ...], i: int,
                sentence: tuple[int, ...], sent: int) -> int:
    """Return the end of a match of elements[k:] starting at tokens[i], or -1."""
    if k == len(elements):
        return i
    element = elements[k]
    n = len(tokens)
    if element.gap:
        for skip in range(element.gap + 1):
            j = i + skip
            if j > n or (skip and sentence[j - 1] != sent):
                break
            end = _match_from(elements, k + 1, tokens, j, sentence, sent)
            if end >= 0:
                return end
        return -1
    if i < n and sentence[i] == sent and element.accepts(tokens[i]):
        end = _match_from(elements, k + 1, tokens, i + 1, sentence, sent)
        if end >= 0:
            return end
    if element.optional:
        return _match_from(elements, k + 1, tokens, i, sentence, sent)
    return -1


@dataclass
class Matcher:
    """Indexes patterns by their first element so each token only tries the patterns that can start there."""

    patterns: Iterable[Pattern]
    _exact: dict[str, list[Pattern]] = field(default_factory=dict, init=False)
    _prefix: dict[str, list[Pattern]] = field(default_factory=dict, init=False)
    _suffix: dict[str, list[Pattern]] = field(default_factory=dict, init=False)
    _numeric: list[Pattern] = field(default_factory=list, init=False)
    _prefix_lengths: tuple[int, ...] = field(default=(), init=False)
    _suffix_lengths: tuple[int, ...] = field(default=(), init=False)
    _cache: dict[str, tuple[Pattern, ...]] = field(default_factory=dict, init=False)

    _CACHE_LIMIT = 50_000

    def __post_init__(self) -> None:
        for pattern in self.patterns:
            first = pattern.elements[0]
            for word in first.words:
                self._exact.setdefault(word, []).append(pattern)
            for prefix in first.prefixes:
                self._prefix.setdefault(prefix, []).append(pattern)
            for suffix in first.suffixes:
                self._suffix.setdefault(suffix, []).append(pattern)
            if first.numbers:
                self._numeric.append(pattern)
        self._prefix_lengths = tuple(sorted({len(p) for p in self._prefix}))
        self._suffix_lengths = tuple(sorted({len(s) for s in self._suffix}))

    def _candidates(self, token: str) -> tuple[Pattern, ...]:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        found: list[Pattern] = list(self._exact.get(token, ()))
        for length in self._prefix_lengths:
            if length <= len(token):
                found.extend(self._prefix.get(token[:length], ()))
        for length in self._suffix_lengths:
            if length <= len(token):
                found.extend(self._suffix.get(token[-length:], ()))
        if token.isdigit():
            found.extend(self._numeric)
        result = tuple(dict.fromkeys(found))
        if len(self._cache) < self._CACHE_LIMIT:
            self._cache[token] = result
        return result

    def find(self, tokens: tuple[str, ...], sentence: tuple[int, ...]) -> list[Hit]:
        """Every (pattern entry, start) that matches, keeping the longest match per entry and start."""
        hits: dict[tuple[str, int], int] = {}
        for i, token in enumerate(tokens):
            for pattern in self._candidates(token):
                end = _match_from(pattern.elements, 0, tokens, i, sentence, sentence[i])
                if end > i:
                    key = (pattern.entry_id, i)
                    if hits.get(key, -1) < end:
                        hits[key] = end
        return [Hit(entry_id, start, end) for (entry_id, start), end in hits.items()]
