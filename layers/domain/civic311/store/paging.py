"""Newest-first listings read under a budget, so an anonymous question never costs more than a few pages.

A listing is one or more streams of Query pages, each stream newest first by its sort key (a stream may be
several queries in a row: one per month). Streams are merged page by page, always reading next from the stream
whose unread part is newest, so what has been read is complete above a frontier key. When the budget runs out
the answer is what is complete, and `resume_before` is the key the next page of the listing starts below.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civic311 import aws
from civic311.store.dynamo import from_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import QueryInputTypeDef


@dataclass
class ReadBudget:
    """How much of the table one call may read: items DynamoDB evaluates, and Query pages."""

    max_items: int = 2000
    max_pages: int = 20
    items_read: int = 0
    pages_read: int = 0

    @property
    def left(self) -> int:
        """Items the next page may still evaluate; 0 once either limit is reached."""
        if self.pages_read >= self.max_pages:
            return 0
        return max(0, self.max_items - self.items_read)

    def spend(self, evaluated: int) -> None:
        self.pages_read += 1
        self.items_read += evaluated


@dataclass
class Stream:
    """Queries read one after another, each older than the one before; `sort_key` names their sort attribute."""

    queries: list[QueryInputTypeDef]
    sort_key: str
    # Everything at or above the frontier has been read; nothing below it yet.
    frontier: str
    done: bool = False
    _current: QueryInputTypeDef | None = field(default=None, repr=False)
    _after: list[str] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class Listing:
    """Items (deserialised, newest first) and where the next page starts, if there may be more."""

    items: list[dict[str, Any]]
    resume_before: str | None


def stream(queries: Sequence[QueryInputTypeDef], sort_key: str, top: str, boundaries: Sequence[str] = ()) -> Stream:
    """A stream of queries; `boundaries[i]` is a key above every item of query i+1 and below every one of query i."""
    return Stream(queries=list(queries), sort_key=sort_key, frontier=top, _after=list(boundaries))


def read_newest_first(streams: list[Stream], limit: int, budget: ReadBudget, before: str | None) -> Listing:
    """Up to `limit` items of the merged streams, newest first, strictly below `before` if given."""
    found: list[tuple[str, dict[str, Any]]] = []
    # Every stream must get a page for the merge to move at all; streams are few (one per asked service code).
    budget.max_pages = max(budget.max_pages, len(streams) + 1)
    budget.max_items = max(budget.max_items, len(streams))
    while budget.left > 0:
        unfinished = [candidate for candidate in streams if not candidate.done]
        if not unfinished:
            break
        newest = max(unfinished, key=lambda candidate: candidate.frontier)
        if sum(1 for key, _ in found if key >= newest.frontier) >= limit:
            break
        # A share of what is left, so one stream cannot spend it all while the others have not moved.
        _read_page(newest, min(limit, max(1, budget.left // len(unfinished))), budget, before, found)
    frontiers = [candidate.frontier for candidate in streams if not candidate.done]
    bound = max(frontiers) if frontiers else None
    complete = sorted((entry for entry in found if bound is None or entry[0] >= bound), reverse=True)
    if len(complete) > limit or (len(complete) == limit and bound is not None):
        return Listing([item for _, item in complete[:limit]], complete[limit - 1][0])
    return Listing([item for _, item in complete], bound)


def _read_page(
    source: Stream, page_size: int, budget: ReadBudget, before: str | None, found: list[tuple[str, dict[str, Any]]]
) -> None:
    if source._current is None:
        if not source.queries:
            source.done = True
            return
        source._current = source.queries.pop(0)
    request = source._current
    request["Limit"] = max(1, min(page_size, budget.left))
    response = aws.dynamodb().query(**request)
    budget.spend(int(response.get("ScannedCount", len(response.get("Items", [])))))
    for raw in response.get("Items", []):
        item = from_item(raw)
        key = str(item.get(source.sort_key, ""))
        if before is None or key < before:
            found.append((key, item))
    last = response.get("LastEvaluatedKey")
    if last:
        request["ExclusiveStartKey"] = last
        source.frontier = str(from_item(dict(last)).get(source.sort_key, source.frontier))
        return
    source._current = None
    if source.queries and source._after:
        source.frontier = source._after.pop(0)
    else:
        source.done = not source.queries


def batch_get_backoff(attempt: int, base: float = 0.05, cap: float = 1.0) -> float:
    """Seconds to wait before retrying unprocessed keys: exponential with full jitter, capped."""
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311 - jitter, not a secret


def pause(seconds: float) -> None:
    time.sleep(seconds)
