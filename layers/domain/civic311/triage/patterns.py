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
from typing import NamedTuple

# First elements with more words than this are indexed as a set rather than word by word.
_LARGE_SET = 12


class PatternError(ValueError):
    """A rule pattern that cannot be compiled."""


# NamedTuples, not dataclasses: thousands are built at load and hits on every call, and tuples are cheap.
class Element(NamedTuple):
    """One position of a pattern."""

    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    numbers: tuple[tuple[int, int], ...] = ()
    optional: bool = False
    gap: int = 0
    plain: bool = False  # required and made of whole words only, so usable as an anchor

    def accepts(self, token: str) -> bool:
        if token in self.words:
            return True
        if self.prefixes and token.startswith(self.prefixes):
            return True
        if self.suffixes and token.endswith(self.suffixes):
            return True
        if self.numbers and token.isdigit():
            value = int(token)
            return any(lo <= value <= hi for lo, hi in self.numbers)
        return False


class Pattern(NamedTuple):
    """A compiled pattern that belongs to one rule entry."""

    entry_id: str
    source: str
    elements: tuple[Element, ...]

    def anchors(
        self, common: frozenset[str], memo: dict[int, tuple[int, int]] | None = None
    ) -> tuple[frozenset[str], ...]:
        """Word sets a match must draw from, rarest first, so absent words rule a pattern out cheaply."""
        plain = [e.words for e in self.elements[1:] if e.plain]
        if len(plain) < 2:
            return tuple(plain)
        scores = {} if memo is None else memo

        def rarity(words: frozenset[str]) -> tuple[int, int]:
            key = id(words)
            if key not in scores:
                scores[key] = (len(words & common), len(words))
            return scores[key]

        return tuple(sorted(plain, key=rarity))


class Hit(NamedTuple):
    """A pattern matched tokens[start:end]."""

    entry_id: str
    start: int
    end: int


def _compile_alternative(
    alt: str,
    element_words: set[str],
    prefixes: list[str],
    suffixes: list[str],
    numbers: list[tuple[int, int]],
    source: str,
) -> None:
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


def compile_pattern(
    entry_id: str, source: str, classes: Mapping[str, frozenset[str]], memo: dict[str, Element] | None = None
) -> Pattern:
    """Compile one already-folded pattern string; `memo` shares identical elements between patterns."""
    if memo is None:
        memo = {}
    elements: list[Element] = []
    for item in source.split():
        element = memo.get(item)
        if element is None:
            element = memo[item] = _compile_item(item, classes, source)
        elements.append(element)
    if not elements or elements[0].gap or elements[0].optional:
        raise PatternError(f"pattern must start with a required word: {source!r}")
    if elements[-1].gap:
        raise PatternError(f"pattern must not end with a gap: {source!r}")
    return Pattern(entry_id, source, tuple(elements))


def _compile_item(item: str, classes: Mapping[str, frozenset[str]], source: str) -> Element:
    """One space-separated item of a pattern."""
    if item.isalnum():
        return Element(frozenset((item,)), (), (), (), False, 0, True)
    if item.startswith("~"):
        if not item[1:].isdigit():
            raise PatternError(f"bad gap {item!r} in {source!r}")
        return Element(gap=int(item[1:]))
    optional = item.endswith("?")
    body = item[:-1] if optional else item
    if body.startswith("@") and "|" not in body and body[1:] in classes:
        return Element(classes[body[1:]], optional=optional, plain=not optional)
    words: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    numbers: list[tuple[int, int]] = []
    for alt in body.split("|"):
        if alt.isalnum():
            words.add(alt)
        elif alt.startswith("@"):
            if alt[1:] not in classes:
                raise PatternError(f"unknown word class {alt!r} in {source!r}")
            words.update(classes[alt[1:]])
        else:
            _compile_alternative(alt, words, prefixes, suffixes, numbers, source)
    plain = not (optional or prefixes or suffixes or numbers)
    return Element(frozenset(words), tuple(prefixes), tuple(suffixes), tuple(numbers), optional, 0, plain)


def _match_from(
    elements: tuple[Element, ...], k: int, tokens: tuple[str, ...], i: int, sentence: tuple[int, ...], sent: int
) -> int:
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


class Matcher:
    """Finds every pattern hit in one pass over the tokens.

    Patterns are indexed by their first element, and each also names the rarest plain-word set it needs
    ("anchor"); a pattern whose anchor words are all absent from the text is never tried.
    """

    _CACHE_LIMIT = 50_000

    def __init__(self, patterns: Iterable[Pattern], common_words: frozenset[str] = frozenset()) -> None:
        self._patterns: list[tuple[str, tuple[Element, ...]]] = []
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._suffix: dict[str, list[int]] = {}
        self._numeric: list[int] = []
        self._by_anchor: dict[str, list[int]] = {}
        self._anchor_sets: list[tuple[frozenset[str], ...]] = []
        unanchored: set[int] = set()
        rarity: dict[int, tuple[int, int]] = {}
        # Word classes (@person...) open many patterns; indexing each member word would dominate start-up.
        big: dict[int, tuple[frozenset[str], list[int]]] = {}
        big_anchor: dict[int, tuple[frozenset[str], list[int]]] = {}
        for index, pattern in enumerate(patterns):
            self._patterns.append((pattern.entry_id, pattern.elements))
            first = pattern.elements[0]
            if len(first.words) > _LARGE_SET:
                big.setdefault(id(first.words), (first.words, []))[1].append(index)
            else:
                for word in first.words:
                    self._exact.setdefault(word, []).append(index)
            for prefix in first.prefixes:
                self._prefix.setdefault(prefix, []).append(index)
            for suffix in first.suffixes:
                self._suffix.setdefault(suffix, []).append(index)
            if first.numbers:
                self._numeric.append(index)
            anchors = pattern.anchors(common_words, rarity)
            self._anchor_sets.append(anchors[1:])
            if not anchors:
                unanchored.add(index)
            elif len(anchors[0]) > _LARGE_SET:
                big_anchor.setdefault(id(anchors[0]), (anchors[0], []))[1].append(index)
            else:
                for word in anchors[0]:
                    self._by_anchor.setdefault(word, []).append(index)
        self._unanchored = frozenset(unanchored)
        self._large = tuple((words, tuple(indexes)) for words, indexes in big.values())
        self._large_anchors = tuple((words, tuple(indexes)) for words, indexes in big_anchor.values())
        self._prefix_lengths = tuple(sorted({len(p) for p in self._prefix}))
        self._suffix_lengths = tuple(sorted({len(s) for s in self._suffix}))
        self._cache: dict[str, tuple[int, ...]] = {}

    def _candidates(self, token: str) -> tuple[int, ...]:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        found: list[int] = list(self._exact.get(token, ()))
        for words, indexes in self._large:
            if token in words:
                found.extend(indexes)
        for length in self._prefix_lengths:
            if length <= len(token):
                found.extend(self._prefix.get(token[:length], ()))
        for length in self._suffix_lengths:
            if length <= len(token):
                found.extend(self._suffix.get(token[-length:], ()))
        if token.isdigit():
            # Number ranges are not indexed by value, so check the range here: "3 kids" is not "#100-130".
            found.extend(k for k in self._numeric if self._patterns[k][1][0].accepts(token))
        result = tuple(dict.fromkeys(found))
        if len(self._cache) < self._CACHE_LIMIT:
            self._cache[token] = result
        return result

    def find(self, tokens: tuple[str, ...], sentence: tuple[int, ...]) -> list[Hit]:
        """Every (pattern entry, start) that matches, keeping the longest match per entry and start."""
        present = frozenset(tokens)
        anchored: set[int] = set()
        for token in present:
            found = self._by_anchor.get(token)
            if found:
                anchored.update(found)
        for words, indexes in self._large_anchors:
            if not words.isdisjoint(present):
                anchored.update(indexes)
        anchor_sets = self._anchor_sets
        viable = set(self._unanchored)
        for index in anchored:
            others = anchor_sets[index]
            if not others or all(not words.isdisjoint(present) for words in others):
                viable.add(index)
        hits: dict[tuple[str, int], int] = {}
        patterns = self._patterns
        per_token: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            candidates = per_token.get(token)
            if candidates is None:
                candidates = per_token[token] = [k for k in self._candidates(token) if k in viable]
            for index in candidates:
                entry_id, elements = patterns[index]
                # The index guarantees the first element accepts this token.
                end = i + 1 if len(elements) == 1 else _match_from(elements, 1, tokens, i + 1, sentence, sentence[i])
                if end > i:
                    key = (entry_id, i)
                    if hits.get(key, -1) < end:
                        hits[key] = end
        return [Hit(entry_id, start, end) for (entry_id, start), end in hits.items()]
