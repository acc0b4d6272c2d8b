"""Bounded typo tolerance for a short list of key danger words ("unconcious", "amblance", "gunn")."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby


def squeeze(word: str) -> str:
    """Collapse doubled letters, so "gunn" and "gun" or "bleeeding" and "bleding" compare equal."""
    return "".join(ch for ch, _ in groupby(word))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours counts once), cut off above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_distance(term: str) -> int:
    """Longer words tolerate more slips; words under six letters only tolerate doubled letters."""
    if len(term) >= 10:
        return 2
    if len(term) >= 6:
        return 1
    return 0


# Spellings of the same Spanish sound: a writer who spells by ear swaps these ("balasos", "desmallo", "ambulansia").
_SOUND_ALIKES = (("ll", "y"), ("y", "ll"), ("s", "z"), ("z", "s"), ("s", "c"), ("c", "s"), ("b", "v"), ("v", "b"))
_VOWELS = frozenset("aeiou")
# Shorter words have too many sound-alike neighbours to guess from.
_SOUND_MIN = 5
# Object pronouns Spanish writes onto a gerund or infinitive, longest first ("aventándoselo" before "aventándole").
_CLITICS = ("selos", "selas", "selo", "sela", "les", "los", "las", "nos", "le", "lo", "la", "me", "se", "te")
_CLITIC_HOSTS = ("ando", "iendo", "yendo", "ar", "er", "ir")
# Shorter hosts are English words and names ("Carlos" is not "car" + "los").
_CLITIC_HOST_MIN = 5


def sound_alikes(word: str) -> set[str]:
    """One-step respellings by ear: a swapped sound-alike letter, or a silent h restored ("aogando" -> "ahogando")."""
    found: set[str] = set()
    for old, new in _SOUND_ALIKES:
        start = word.find(old)
        while start >= 0:
            found.add(word[:start] + new + word[start + len(old) :])
            start = word.find(old, start + 1)
    for i in range(1, len(word)):
        if word[i - 1] in _VOWELS and word[i] in _VOWELS:
            found.add(word[:i] + "h" + word[i:])
    found.discard(word)
    return found


class TypoCorrector:
    """Maps an unknown token to the one rule word it is a slip of, or to nothing.

    Danger terms tolerate small slips (two from ten letters); any rule word is also matched by sound when the
    token is one Spanish sound-alike respelling away from exactly one of them.
    """

    _CACHE_LIMIT = 50_000

    def __init__(self, terms: Iterable[str], known_words: frozenset[str], vocabulary: Iterable[str] = ()) -> None:
        self._known = known_words
        self._vocabulary = frozenset(w for w in vocabulary if w.isalpha())

        self._by_squeeze: dict[str, str] = {}
        self._by_deletion: dict[str, set[str]] = {}
        self._cache: dict[str, str | None] = {}
        terms = list(terms)
        fuzzy = [t for t in terms if allowed_distance(t)]
        self._min_len = min((len(t) - allowed_distance(t) for t in fuzzy), default=0)
        self._max_len = max((len(t) + allowed_distance(t) for t in fuzzy), default=0)
        for term in terms:
            self._by_squeeze.setdefault(squeeze(term), term)
            budget = allowed_distance(term)
            if not budget:
                continue
            keys = {term} | _deletions(term)
            if budget >= 2:
                keys |= {d2 for d1 in _deletions(term) for d2 in _deletions(d1)}
            for key in keys:
                self._by_deletion.setdefault(key, set()).add(term)

    def correct(self, token: str) -> str | None:
        """The rule word this token was meant to be: a dropped final g, or a small slip in a danger term."""
        if token in self._known or len(token) < 3 or not token.isalpha():
            return None
        if token in self._cache:
            return self._cache[token]
        # Speech spelled as heard drops the final g ("comin", "bleedin", "breathin"); restore it when that makes
        # a word the rules know.
        result = token + "g" if token.endswith("in") and token + "g" in self._known else None
        if result is None:
            result = self._without_clitic(token)
        if result is None:
            result = self._by_squeeze.get(squeeze(token))
        if result is None and self._min_len <= len(token) <= self._max_len:
            # Terms carry their two-letter deletions, so one token-side deletion covers the allowed slips.
            keys = {token} | _deletions(token)
            candidates = {term for key in keys for term in self._by_deletion.get(key, ())}
            scored = sorted((edit_distance(token, term, allowed_distance(term)), term) for term in candidates)
            if scored and scored[0][0] <= allowed_distance(scored[0][1]):
                result = scored[0][1]
        if result is None:
            result = self._nearest_rule_word(token)
        if len(self._cache) < self._CACHE_LIMIT:
            self._cache[token] = result
        return result

    def _without_clitic(self, token: str) -> str | None:
        """Spanish joins object pronouns to gerunds and infinitives ("aventándole", "golpeándola", "matarlo"); the
        bare verb is the rule word when the rules know it."""
        for clitic in _CLITICS:
            stem = token[: -len(clitic)]
            if (
                token.endswith(clitic)
                and len(stem) >= _CLITIC_HOST_MIN
                and stem.endswith(_CLITIC_HOSTS)
                and stem in self._known
            ):
                return stem
        return None

    def _nearest_rule_word(self, token: str) -> str | None:
        """The only rule word that sounds the same when spelled by ear."""
        if len(token) >= _SOUND_MIN:
            heard = [word for word in sound_alikes(token) if word in self._vocabulary]
            if len(heard) == 1:
                return heard[0]
        return None
