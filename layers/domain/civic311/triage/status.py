"""Whether a rule hit is live: negation, hypotheticals, tense and time phrases, and a danger said to be over.

A cue counts only when nothing near it denies it ("nobody was hurt"), puts it in a question ("what if"), dates it
("last night", "every weekend") or says it has been dealt with ("the crew capped the wires"); the engine reads
the status each hit gets here.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from civic311.triage.lexicon import Entry
from civic311.triage.normalize import Doc
from civic311.triage.patterns import Hit

# Words allowed between a negator and the cue it cancels: "no one is hurt", "nadie salió herido".
NEGATION_WINDOW = 4
# "Sin" and "without" negate their own object ("sin respirar", "without anyone getting hurt"), not a cue further on
# ("sin camisa en pleno sol", "without a hat out in the heat").
SHORT_REACH_NEGATORS = frozenset({"sin", "without"})
SHORT_NEGATION_WINDOW = 3
# How far (in words, same sentence) a time phrase can reach a cue.
TIME_WINDOW = 10
# A present-time phrase this close to a cue keeps it live even if the text also says the danger passed.
PRESENT_GUARD = 3
# Distress is a state: "panic attacks every night since the shooting last month" is still a crisis, so only a
# time phrase right next to a crisis cue ("suicidal two years ago") can put it in the past.
CRISIS_TIME_WINDOW = 2
# A question about what to do "if" something happens reaches further than a plain negator.
HYPOTHETICAL_WINDOW = 10

LIVE, NEGATED, PAST, HABITUAL, HYPOTHETICAL, RESOLVED, NOT_NOW = (
    "live",
    "negated",
    "past-tense",
    "habitual",
    "hypothetical",
    "resolved",
    "not-now",
)


class Spans:
    """Hits sorted by start, so the ones near a position are found by bisection rather than a scan."""

    def __init__(self, hits: Iterable[Hit]) -> None:
        self.hits = sorted(hits, key=lambda h: h.start)
        self._starts = [h.start for h in self.hits]
        self._longest = max((h.end - h.start for h in self.hits), default=0)

    def between(self, lo: int, hi: int) -> list[Hit]:
        """Hits that overlap [lo, hi)."""
        first = bisect_left(self._starts, lo - self._longest)
        last = bisect_right(self._starts, hi)
        return [h for h in self.hits[first:last] if h.end > lo and h.start < hi]


class Context(NamedTuple):
    """Modifier hits of one description, grouped by what they do."""

    negators: Spans
    barriers: frozenset[int]
    past: Spans
    habitual: Spans
    hypothetical: Spans
    present: Spans
    progressive: Spans
    resolved: tuple[Hit, ...]
    safety: tuple[Hit, ...]


def _distance(a: Hit, b: Hit) -> int:
    if a.end <= b.start:
        return b.start - a.end
    if b.end <= a.start:
        return a.start - b.end
    return 0


def _overlaps(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end


def explains(idiom: Hit, cue: Hit) -> bool:
    """An idiom explains a cue that starts inside it ("smoke detector test in our building"), or one it outspans."""
    return idiom.start <= cue.start < idiom.end


def _reach(negator: Hit, doc: Doc) -> int:
    """How many words on a negator still cancels a cue."""
    short = negator.end - negator.start == 1 and doc.tokens[negator.start] in SHORT_REACH_NEGATORS
    return SHORT_NEGATION_WINDOW if short else NEGATION_WINDOW


def _drop_shadowed(mine: Sequence[Hit], theirs: Sequence[Hit]) -> tuple[Hit, ...]:
    """Drop hits covered by a longer hit of the opposite kind ("since yesterday" is not "yesterday")."""
    return tuple(h for h in mine if not any(_overlaps(h, o) and (o.end - o.start) > (h.end - h.start) for o in theirs))


def build_context(by_kind: dict[str, list[Hit]], doc: Doc, barrier_words: frozenset[str]) -> Context:
    """Modifier hits of one description grouped by what they do; barrier words found by set lookup."""
    uncertain = by_kind.get("uncertain", [])
    negators = tuple(h for h in by_kind.get("negator", []) if not any(_overlaps(h, u) for u in uncertain))
    past = by_kind.get("past-time", [])
    habitual = by_kind.get("habitual", [])
    present = by_kind.get("present-time", [])
    barriers = frozenset(i for h in by_kind.get("barrier", []) for i in range(h.start, h.end))
    barriers |= frozenset(i for i, token in enumerate(doc.tokens) if token in barrier_words)
    return Context(
        negators=Spans(negators),
        barriers=barriers,
        past=Spans(_drop_shadowed(past, present)),
        habitual=Spans(_drop_shadowed(habitual, present)),
        hypothetical=Spans(by_kind.get("hypothetical", [])),
        present=Spans(_drop_shadowed(_drop_shadowed(present, past), habitual)),
        progressive=Spans(by_kind.get("progressive", [])),
        resolved=tuple(by_kind.get("resolved", [])),
        safety=tuple(by_kind.get("safety", [])),
    )


def _negated(hit: Hit, doc: Doc, ctx: Context) -> bool:
    for neg in ctx.negators.between(hit.start - NEGATION_WINDOW, hit.start):
        if neg.end > hit.start or hit.start - neg.end >= _reach(neg, doc):
            continue
        if doc.clause[neg.end - 1] != doc.clause[hit.start]:
            continue
        if any(i in ctx.barriers for i in range(neg.end, hit.start)):
            continue
        return True
    return False


def negation_scope(doc: Doc, ctx: Context) -> list[bool]:
    """Tokens within a negator's reach: the same clause, no barrier, at most NEGATION_WINDOW words on."""
    scope = [False] * len(doc.tokens)
    for neg in ctx.negators.hits:
        for i in range(neg.end, min(neg.end + _reach(neg, doc), len(scope))):
            if doc.clause[i] != doc.clause[neg.end - 1] or i in ctx.barriers:
                break
            scope[i] = True
    return scope


def _nearest(
    spans: Spans, hit: Hit, doc: Doc, window: int = TIME_WINDOW, inside: bool = True, later_clauses: bool = True
) -> int | None:
    best: int | None = None
    for span in spans.between(hit.start - window, hit.end + window):
        if doc.sentence[span.start] != doc.sentence[hit.start]:
            continue
        if not inside and hit.start <= span.start and span.end <= hit.end:
            continue  # a past phrase inside the cue belongs to it ("tonight is her last night")
        if not later_clauses and span.start >= hit.end and doc.clause[span.start] != doc.clause[hit.start]:
            continue
        d = _distance(span, hit)
        if d <= window and (best is None or d < best):
            best = d
    return best


def _time_status(hit: Hit, entry: Entry, doc: Doc, ctx: Context) -> str:
    """The nearest time phrase decides; with none, the event is taken as happening now (escalate)."""
    present = _nearest(ctx.present, hit, doc)
    if entry.kind == "crisis":
        distance = _nearest(ctx.past, hit, doc, CRISIS_TIME_WINDOW, inside=False)
        return PAST if distance is not None and (present is None or distance < present) else LIVE
    # A body's state told as under way in its own clause ("she is breathing ... and we can't wake her") is not
    # dated by a time phrase in a later clause: "he used earlier" dates the cause, not the breathing. Other cues
    # keep the later phrase ("they are pulling on door handles, it was last night").
    under_way = entry.group == "medical" and _told_as_under_way(hit, doc, ctx)
    for spans, status in ((ctx.past, PAST), (ctx.habitual, HABITUAL)):
        distance = _nearest(spans, hit, doc, inside=False, later_clauses=not under_way)
        if distance is not None and (present is None or distance < present):
            return status
    if entry.needs_present and present is None and _nearest(ctx.progressive, hit, doc) is None:
        return NOT_NOW
    return LIVE


def _told_as_under_way(hit: Hit, doc: Doc, ctx: Context) -> bool:
    """A present or progressive phrase in the cue's own clause: "is breathing", "está temblando", "right now"."""
    clause = doc.clause[hit.start]
    near = (
        *ctx.present.between(hit.start - TIME_WINDOW, hit.end),
        *ctx.progressive.between(hit.start - TIME_WINDOW, hit.end),
    )
    return any(doc.clause[span.start] == clause for span in near)


def _hypothetical(hit: Hit, doc: Doc, ctx: Context) -> bool:
    return any(
        h.end <= hit.start and doc.sentence[h.start] == doc.sentence[hit.start]
        for h in ctx.hypothetical.between(hit.start - HYPOTHETICAL_WINDOW, hit.start)
    )


def is_resolved(group: str | None, hit: Hit, doc: Doc, ctx: Context, entries: Mapping[str, Entry]) -> bool:
    if group is None:
        return False
    for res in ctx.resolved:
        if group in entries[res.entry_id].resolves:
            # Only a present phrase in the cue's own clause says the danger is back ("it's out but smoking again").
            near = [
                p
                for p in ctx.present.between(hit.start - PRESENT_GUARD, hit.end + PRESENT_GUARD)
                if doc.clause[p.start] == doc.clause[hit.start] and _distance(p, hit) <= PRESENT_GUARD
            ]
            return not near
    return False


def status(hit: Hit, entry: Entry, doc: Doc, ctx: Context, entries: Mapping[str, Entry]) -> str:
    if _negated(hit, doc, ctx):
        return NEGATED
    if _hypothetical(hit, doc, ctx):
        return HYPOTHETICAL
    time_status = _time_status(hit, entry, doc, ctx)
    if time_status != LIVE:
        return time_status
    if entry.kind != "component" and is_resolved(entry.group, hit, doc, ctx, entries):
        return RESOLVED
    return LIVE


def time_marks(ctx: Context) -> list[str]:
    """Which kinds of time, negation and resolution phrase a text carries, for the model to weigh with its words.

    "last night" with nothing in the present reads as over and done; "right now" or a progressive verb as under
    way; "nobody", "no one", "nadie" as a denial somewhere in the text; "the crew already capped it" as resolved.
    """
    kinds = (
        ("past", ctx.past),
        ("present", ctx.present),
        ("habitual", ctx.habitual),
        ("hypothetical", ctx.hypothetical),
        ("progressive", ctx.progressive),
    )
    marks = [f"time:{name}" for name, spans in kinds if spans.hits]
    if ctx.negators.hits:
        marks.append("negation")
    if ctx.past.hits and not ctx.present.hits and not ctx.progressive.hits:
        marks.append("time:over-only")
    if ctx.resolved:
        marks.append("time:resolved")
    if ctx.safety:
        marks.append("safety")
    return marks
