"""Reading service requests: one by id or token, many by id, a caller's open ones, and listings by period and code.

Listings read the ByPeriod index month by month (newest first) or ByServiceCode per code, merged newest first;
paged listings go on below the key the last page stopped at (store/paging.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import DependencyUnavailable
from civic311.models import tracking
from civic311.models.cases import RequestUpdate, ServiceRequest, Status
from civic311.store import paging
from civic311.store.callers import CallerKeys
from civic311.store.dynamo import from_item, to_value
from civic311.store.request_items import (
    BY_CALLER,
    BY_PERIOD,
    BY_SERVICE_CODE,
    BY_TOKEN,
    REQUEST_SK,
    month_of,
    request_key,
    request_pk,
    to_request,
    to_update,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import QueryInputTypeDef

_BATCH_GET_LIMIT = 100
# Unprocessed keys are asked for again at most this many times in all, backing off between attempts.
_BATCH_GET_ATTEMPTS = 5


@dataclass(frozen=True)
class RequestFilter:
    """A listing: requested between start and end, optionally by codes and statuses, newest first."""

    start: datetime
    end: datetime
    service_codes: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()


def _months_newest_first(start: datetime, end: datetime) -> list[str]:
    year, month = end.astimezone(UTC).year, end.astimezone(UTC).month
    first = month_of(start)
    months: list[str] = []
    while True:
        label = f"{year:04d}-{month:02d}"
        months.append(label)
        if label <= first:
            return months
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


def _months_below(start: datetime, end: datetime, before: str | None) -> list[str]:
    """The months of a period, newest first, that may hold keys below `before`: a page goes on where it stopped."""
    return [month for month in _months_newest_first(start, end) if before is None or month < before]


class RequestListings:
    """Reads requests and lists them (part of RequestStore)."""

    table_name: str
    caller_keys: CallerKeys | None

    def get(self, request_id: str) -> ServiceRequest | None:
        """The request with this id, or None."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key=request_key(request_id),
        )
        item = response.get("Item")
        return to_request(from_item(item)) if item else None

    def get_many(self, request_ids: Iterable[str]) -> list[ServiceRequest]:
        """The requests among these ids that exist, in the order asked."""
        wanted = list(dict.fromkeys(request_ids))
        found: dict[str, ServiceRequest] = {}
        for start in range(0, len(wanted), _BATCH_GET_LIMIT):
            keys = [
                {"pk": to_value(request_pk(request_id)), "sk": to_value(REQUEST_SK)}
                for request_id in wanted[start : start + _BATCH_GET_LIMIT]
            ]
            pending: dict[str, Any] = {self.table_name: {"Keys": keys}}
            for attempt in range(_BATCH_GET_ATTEMPTS):
                if attempt:
                    # A throttled table hands keys back; asking again at once only adds to the throttling.
                    paging.pause(paging.batch_get_backoff(attempt))
                response = aws.dynamodb().batch_get_item(RequestItems=pending)
                for item in response["Responses"].get(self.table_name, []):
                    request = to_request(from_item(item))
                    found[request.service_request_id] = request
                pending = dict(response.get("UnprocessedKeys") or {})
                if not pending:
                    break
            else:
                raise DependencyUnavailable("the request table is busy; please retry")
        return [found[request_id] for request_id in wanted if request_id in found]

    def find_by_token(self, token: str) -> ServiceRequest | None:
        """The request a token was issued for, or None; the index holds the tokens' digests, never the tokens."""
        response = aws.dynamodb().query(
            TableName=self.table_name,
            IndexName=BY_TOKEN,
            KeyConditionExpression="#token = :token",
            ExpressionAttributeNames={"#token": "token"},
            ExpressionAttributeValues={":token": to_value(tracking.digest(token))},
            Limit=1,
        )
        items = response.get("Items", [])
        return self.get(from_item(items[0])["service_request_id"]) if items else None

    def open_for_caller(self, phone: str, limit: int = 3) -> list[ServiceRequest]:
        """The caller's open requests, newest first, found by the keyed hash of their number (E.164)."""
        if self.caller_keys is None:
            raise RuntimeError("this store was built without caller keys")
        response = aws.dynamodb().query(
            TableName=self.table_name,
            IndexName=BY_CALLER,
            KeyConditionExpression="caller_key = :caller",
            ExpressionAttributeValues={":caller": to_value(self.caller_keys.key_for(phone))},
            ScanIndexForward=False,
            # Closed ones are dropped below; a caller rarely has more than a handful.
            Limit=20,
        )
        ids = [str(from_item(item)["pk"]).removeprefix("REQ#") for item in response.get("Items", [])]
        found = [request for request in self.get_many(ids) if request.status == Status.OPEN]
        return found[:limit]

    def updates_for(self, request_id: str) -> list[RequestUpdate]:
        """A request's updates, oldest first."""
        response = aws.dynamodb().query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :updates)",
            ExpressionAttributeValues={":pk": to_value(request_pk(request_id)), ":updates": to_value("UPD#")},
        )
        updates = [to_update(from_item(item)) for item in response.get("Items", [])]
        return sorted(updates, key=lambda update: update.updated_at)

    def search(self, query: RequestFilter, limit: int) -> list[ServiceRequest]:
        """Up to `limit` requests matching the filter, newest first."""
        if query.service_codes:
            streams = [self._by_code(code, query, limit) for code in dict.fromkeys(query.service_codes)]
            merged = sorted(
                (request for stream in streams for request in islice(stream, limit)),
                key=lambda request: (request.requested_at, request.service_request_id),
                reverse=True,
            )
            return merged[:limit]
        return list(islice(self._by_period(query, limit), limit))

    def search_page(
        self, query: RequestFilter, limit: int, budget: paging.ReadBudget, before: str | None = None
    ) -> tuple[list[ServiceRequest], str | None]:
        """Up to `limit` matching requests below the `before` key, newest first, read within the budget.

        Returns the requests and the key the next page starts below (None when there is nothing more).
        """
        top = min(to_storage(query.end) + "~", before) if before else to_storage(query.end) + "~"
        if query.service_codes:
            streams = [
                paging.stream(
                    [self._page_query(BY_SERVICE_CODE, "gsi2pk", f"CODE#{code}", "gsi2sk", query, top)], "gsi2sk", top
                )
                for code in dict.fromkeys(query.service_codes)
            ]
        else:
            months = _months_below(query.start, query.end, before)
            queries = [self._page_query(BY_PERIOD, "gsi1pk", f"REQ#{month}", "gsi1sk", query, top) for month in months]
            # Every key of a month sorts above its label, and every key of the months before it below.
            streams = [paging.stream(queries, "gsi1sk", top, boundaries=months[:-1])]
        listing = paging.read_newest_first(streams, limit, budget, before)
        return [to_request(item) for item in listing.items], listing.resume_before

    def updates_page(
        self, start: datetime, end: datetime, limit: int, budget: paging.ReadBudget, before: str | None = None
    ) -> tuple[list[RequestUpdate], str | None]:
        """Public updates made between start and end, below the `before` key, newest first, within the budget."""
        top = min(to_storage(end) + "~", before) if before else to_storage(end) + "~"
        months = _months_below(start, end, before)
        queries: list[QueryInputTypeDef] = [
            {
                "TableName": self.table_name,
                "IndexName": BY_PERIOD,
                "KeyConditionExpression": "gsi1pk = :pk AND gsi1sk BETWEEN :start AND :end",
                "ExpressionAttributeValues": {
                    ":pk": to_value(f"UPD#{month}"),
                    ":start": to_value(to_storage(start)),
                    ":end": to_value(top),
                },
                "ScanIndexForward": False,
            }
            for month in months
        ]
        listing = paging.read_newest_first([paging.stream(queries, "gsi1sk", top, months[:-1])], limit, budget, before)
        return [to_update(item) for item in listing.items], listing.resume_before

    def _page_query(
        self, index: str, pk_name: str, pk_value: str, sk_name: str, query: RequestFilter, top: str
    ) -> QueryInputTypeDef:
        request: QueryInputTypeDef = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :start AND :end",
            "ExpressionAttributeNames": {"#pk": pk_name, "#sk": sk_name},
            "ExpressionAttributeValues": {
                ":pk": to_value(pk_value),
                ":start": to_value(to_storage(query.start)),
                ":end": to_value(top),
            },
            "ScanIndexForward": False,
        }
        if query.statuses:
            names = {f":status{n}": to_value(status.value) for n, status in enumerate(query.statuses)}
            request["FilterExpression"] = f"#status IN ({', '.join(names)})"
            request["ExpressionAttributeNames"] = {"#pk": pk_name, "#sk": sk_name, "#status": "status"}
            request["ExpressionAttributeValues"] = {**request["ExpressionAttributeValues"], **names}
        return request

    def _by_period(self, query: RequestFilter, limit: int) -> Iterator[ServiceRequest]:
        for month in _months_newest_first(query.start, query.end):
            yield from self._query(BY_PERIOD, "gsi1pk", f"REQ#{month}", "gsi1sk", query, limit)

    def _by_code(self, code: str, query: RequestFilter, limit: int) -> Iterator[ServiceRequest]:
        yield from self._query(BY_SERVICE_CODE, "gsi2pk", f"CODE#{code}", "gsi2sk", query, limit)

    def _query(
        self, index: str, pk_name: str, pk_value: str, sk_name: str, query: RequestFilter, limit: int
    ) -> Iterator[ServiceRequest]:
        # '~' sorts after '#', so requests at exactly `end` are included.
        request = self._page_query(index, pk_name, pk_value, sk_name, query, to_storage(query.end) + "~")
        # Pages no larger than what the caller can use; more pages follow only if filters drop items.
        request["Limit"] = limit
        while True:
            response = aws.dynamodb().query(**request)
            for item in response.get("Items", []):
                yield to_request(from_item(item))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return
            request["ExclusiveStartKey"] = last_key
