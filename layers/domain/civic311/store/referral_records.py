"""Referral records, kept in the service-requests table beside the request they belong to.

Keys (the table's two general indexes carry them, beside requests and gaps):
  pk = REQ#<request id>, sk = REFERRAL#<resource id>         one referral; the track page Queries a request's
  gsi2pk = REFORG#<organization id>,                          ByServiceCode: an organization's referrals,
    gsi2sk = <referred_at>#<request id>#<resource id>           newest first (one Query per page, never a Scan)
  gsi1pk = DECLINED#<yyyy-mm>, gsi1sk = <declined_at>#<request id>#<resource id>
                                                              ByPeriod (set with a decline): the gaps report
Every write is conditional: a referral is written once (a retried workflow step writes nothing new), and a status
moves only from the one the mover read, so two providers' answers racing cannot both land.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import InvalidInput
from civic311.models.referrals import DeclineReason, ReferralRecord, ReferralStatus
from civic311.store.dynamo import from_item, to_item, to_value, update_if
from civic311.store.gaps import month_of, months_between
from civic311.store.request_items import request_pk

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, PutTypeDef

BY_ORGANIZATION = "ByServiceCode"
BY_PERIOD = "ByPeriod"
_SK_PREFIX = "REFERRAL#"
_STORAGE_ONLY = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
MAX_PAGE_TOKEN = 400


def _key(request_id: str, resource_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": to_value(request_pk(request_id)), "sk": to_value(f"{_SK_PREFIX}{resource_id}")}


def _org_pk(organization_id: str) -> str:
    return f"REFORG#{organization_id}"


def _listed_at(moment: datetime, request_id: str, resource_id: str) -> str:
    return f"{to_storage(moment)}#{request_id}#{resource_id}"


def _record(item: dict[str, Any]) -> ReferralRecord:
    values = {k: v for k, v in from_item(item).items() if k not in _STORAGE_ONLY}
    return ReferralRecord.model_validate(values)


def encode_page(sort_key: str) -> str:
    """The opaque token for the page after `sort_key`."""
    return base64.urlsafe_b64encode(sort_key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_page(token: str) -> str:
    """The sort key a page token carries; InvalidInput unless it is one an answer gave."""
    refused = InvalidInput("page_token is not valid: send back the token a previous answer gave, unchanged")
    if not token or len(token) > MAX_PAGE_TOKEN or not token.isascii():
        raise refused
    try:
        sort_key = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise refused from error
    # Only a bound inside the caller's own partition: a forged one can skip rows, never reach another's.
    if sort_key.count("#") != 2 or not sort_key.isprintable():
        raise refused
    return sort_key


class ReferralRecords:
    """Writes referrals once, moves their status on condition, and reads them by request, organization and period."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def record(self, records: Sequence[ReferralRecord]) -> int:
        """Store each referral not stored yet (one transaction when none is); the number newly stored."""
        if not records:
            return 0
        puts = [self._put(record) for record in records]
        try:
            aws.dynamodb().transact_write_items(TransactItems=[{"Put": cast("PutTypeDef", put)} for put in puts])
            return len(puts)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
        # A retried step, maybe referring a little differently now: keep what is stored, add what is new.
        stored = 0
        for put in puts:
            try:
                aws.dynamodb().put_item(**put)
                stored += 1
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        return stored

    def _put(self, record: ReferralRecord) -> dict[str, Any]:
        item = record.model_dump(mode="json", exclude_none=True) | {
            "pk": request_pk(record.service_request_id),
            "sk": f"{_SK_PREFIX}{record.resource_id}",
            "gsi2pk": _org_pk(record.organization_id),
            "gsi2sk": _listed_at(record.referred_at, record.service_request_id, record.resource_id),
            "referred_at": to_storage(record.referred_at),
            "updated_at": to_storage(record.updated_at),
        }
        return {"TableName": self.table_name, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}

    def get(self, request_id: str, resource_id: str) -> ReferralRecord | None:
        """One referral, read consistently (a status about to be moved is read from here)."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=_key(request_id, resource_id), ConsistentRead=True
        )
        item = response.get("Item")
        return _record(item) if item else None

    def for_request(self, request_id: str) -> list[ReferralRecord]:
        """A request's referrals (one Query on its partition), in the order they were made."""
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :referral)",
            "ExpressionAttributeValues": {":pk": to_value(request_pk(request_id)), ":referral": to_value(_SK_PREFIX)},
        }
        found: list[ReferralRecord] = []
        while True:
            response = aws.dynamodb().query(**request)
            found.extend(_record(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return sorted(found, key=lambda record: (record.referred_at, record.resource_id))

    def for_organization(
        self, organization_id: str, limit: int, page_token: str | None = None
    ) -> tuple[list[ReferralRecord], str | None]:
        """An organization's referrals, newest first: one Query of at most `limit`; the next page's token or None."""
        condition = "gsi2pk = :pk"
        values: dict[str, AttributeValueTypeDef] = {":pk": to_value(_org_pk(organization_id))}
        if page_token is not None:
            condition += " AND gsi2sk < :before"
            values[":before"] = to_value(decode_page(page_token))
        response = aws.dynamodb().query(
            TableName=self.table_name,
            IndexName=BY_ORGANIZATION,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=limit,
        )
        items = response.get("Items", [])
        found = [_record(item) for item in items]
        more = "LastEvaluatedKey" in response and bool(items)
        return found, encode_page(str(from_item(items[-1])["gsi2sk"])) if more else None

    def move(
        self,
        record: ReferralRecord,
        status: ReferralStatus,
        by: str,
        at: datetime,
        reason: DeclineReason | None = None,
        note: str | None = None,
    ) -> bool:
        """Set a new status if the stored one is still `record.status`; False when it is not."""
        names = {"#status": "status"}
        values: dict[str, AttributeValueTypeDef] = {
            ":status": to_value(status),
            ":previous": to_value(record.status),
            ":organization": to_value(record.organization_id),
            ":at": to_value(to_storage(at)),
            ":by": to_value(by),
        }
        assignments = ["#status = :status", "updated_at = :at", "updated_by = :by"]
        if status == "declined":
            assignments += ["gsi1pk = :month", "gsi1sk = :declined"]
            values[":month"] = to_value(f"DECLINED#{month_of(at)}")
            values[":declined"] = to_value(_listed_at(at, record.service_request_id, record.resource_id))
            if reason is not None:
                assignments.append("decline_reason = :reason")
                values[":reason"] = to_value(reason)
        if note is not None:
            assignments.append("note = :note")
            values[":note"] = to_value(note)
        return update_if(
            TableName=self.table_name,
            Key=_key(record.service_request_id, record.resource_id),
            UpdateExpression="SET " + ", ".join(assignments),
            ConditionExpression="#status = :previous AND organization_id = :organization",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def declined_between(self, start: datetime, end: datetime) -> list[ReferralRecord]:
        """Every referral declined in [start, end], oldest first: one Query per month (paginated)."""
        found: list[ReferralRecord] = []
        low, high = to_storage(start), to_storage(end) + "~"
        for month in months_between(start, end):
            request: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": BY_PERIOD,
                "KeyConditionExpression": "gsi1pk = :pk AND gsi1sk BETWEEN :low AND :high",
                "ExpressionAttributeValues": {
                    ":pk": to_value(f"DECLINED#{month}"),
                    ":low": to_value(low),
                    ":high": to_value(high),
                },
            }
            while True:
                response = aws.dynamodb().query(**request)
                found.extend(_record(item) for item in response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found
