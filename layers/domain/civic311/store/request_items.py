"""The service-requests table's items: their keys, their stored shape, and the sparse lists they sit on.

Keys (single table):
  pk = REQ#<id>, sk = REQ                               the request (never any contact details)
  pk = REQ#<id>, sk = CONTACT                           the caller's contact details, sealed by KMS (contacts.py),
                                                          expiring by TTL; sms_key and texts_stopped (store/sms.py)
  gsi1pk = REQ#<yyyy-mm>, gsi1sk = <requested_at>#<id>   ByPeriod: newest-first listings by month
  gsi2pk = CODE#<service_code>, gsi2sk = <requested_at>#<id>   ByServiceCode
  token                                                   ByToken (sparse, Open311 tokens)
  pending_workflow = PENDING, requested_at               PendingWorkflow (sparse): no workflow yet
  pending_alert = PENDING, requested_at                  PendingAlert (sparse): a 911 alert not yet accepted by SNS
  pk = REQ#<id>, sk = UPD#<update_id>                  an update; gsi1pk = UPD#<yyyy-mm> lists updates by time
  pk = REQ#<id>, sk = REFERRAL#<resource id>           a place the request was referred to, and its provider's
                                                          answer (store/referral_records.py, which owns its keys)
  open_cell = <service_code>#<h3 cell>, requested_at     OpenNearby (sparse): open requests by place, for duplicates
  awaiting_ack = AWAITING, requested_at                  AwaitingAck (sparse): 911 alerts dispatch has not acknowledged
  caller_key = CALLER#<hmac of the number>, requested_at  ByCaller (sparse, on CONTACT items): a caller's requests;
                                                          it expires with the contact details, by TTL
  awaiting_review = AWAITING, requested_at              AwaitingReview (sparse): doubtful reports for a call-taker
                                                          (store/reviews.py; review_token: the workflow's wait)
  alert_lease = <epoch ms>                               who may publish a pending alert, until when (one at a time)
  key_use = {key, fingerprint, until, salt}              the client key that made the request (cases/idempotency.py)
  realert_round = <digest of the ack token>              the last acknowledgement wait a re-alert was sent for

One home for what every part of the request store (requests.py and the modules it is built from, reviews.py)
shares: the keys, the mapping between items and models, the refusals of conditional writes, and the queries of
the sparse indexes that list requests waiting on someone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import NotFound
from civic311.models.cases import RequestUpdate, ServiceRequest
from civic311.store.dynamo import from_item, to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

REQUEST_SK = "REQ"
CONTACT_SK = "CONTACT"
BY_PERIOD = "ByPeriod"
BY_SERVICE_CODE = "ByServiceCode"
BY_TOKEN = "ByToken"  # noqa: S105 - an index name, not a secret
PENDING_WORKFLOW = "PendingWorkflow"
PENDING_ALERT = "PendingAlert"
OPEN_NEARBY = "OpenNearby"
AWAITING_ACK = "AwaitingAck"
BY_CALLER = "ByCaller"
# The values of the sparse indexes' keys: an item is listed while it carries one.
PENDING = "PENDING"
AWAITING = "AWAITING"
_STORAGE_ONLY = (
    "pk",
    "sk",
    "gsi1pk",
    "gsi1sk",
    "gsi2pk",
    "gsi2sk",
    "pending_workflow",
    "pending_alert",
    "execution_arn",
    "task_token",
    "ack_token",
    "open_cell",
    "children",
    "awaiting_ack",
    "alert_lease",
    "realert_round",
    "resolution",
    "awaiting_review",
    "review_token",
    "key_use",
)


def request_pk(request_id: str) -> str:
    """The partition key of a request's items (the request, its contact, its updates)."""
    return f"REQ#{request_id}"


def request_key(request_id: str) -> dict[str, AttributeValueTypeDef]:
    """The key of the request item itself."""
    return {"pk": to_value(request_pk(request_id)), "sk": to_value(REQUEST_SK)}


def new_request_id(keys: Mapping[str, Any]) -> str | None:
    """The request id in a stream record's keys (deserialised), if they are a request item's; None otherwise."""
    pk, sk = keys.get("pk"), keys.get("sk")
    if sk != REQUEST_SK or not isinstance(pk, str) or not pk.startswith("REQ#"):
        return None
    return pk.removeprefix("REQ#")


def epoch_ms(moment: datetime) -> int:
    """A moment as the alert lease stores it."""
    return int(moment.timestamp() * 1000)


def month_of(moment: datetime) -> str:
    """The UTC month (yyyy-mm) a request or update is listed under by time."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def to_request(item: dict[str, Any]) -> ServiceRequest:
    """The request a stored item (deserialised) holds, without what only storage needs."""
    for key in _STORAGE_ONLY:
        item.pop(key, None)
    return ServiceRequest.model_validate(item)


def to_update(item: dict[str, Any]) -> RequestUpdate:
    """The update a stored item (deserialised) holds."""
    for key in ("pk", "sk", "gsi1pk", "gsi1sk"):
        item.pop(key, None)
    return RequestUpdate.model_validate(item)


def refused_item(error: ClientError, request_id: str) -> dict[str, Any]:
    """The request item (deserialised) a conditional write asking for ALL_OLD on failure was refused on.

    Raises the error again if it is not a refused condition, and NotFound if there is no such request.
    """
    if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
        raise error
    # The failed condition's item; the stubs do not list it.
    current = cast("dict[str, Any] | None", error.response.get("Item"))
    if current is None:
        raise NotFound(f"service request {request_id} does not exist") from None
    return from_item(current)


def awaiting(table_name: str, index: str, attribute: str, limit: int) -> list[ServiceRequest]:
    """Requests listed on a sparse index while `attribute` marks them as waiting on someone, oldest first."""
    response = aws.dynamodb().query(
        TableName=table_name,
        IndexName=index,
        KeyConditionExpression=f"{attribute} = :awaiting",
        ExpressionAttributeValues={":awaiting": to_value(AWAITING)},
        Limit=limit,
    )
    return [to_request(from_item(item)) for item in response.get("Items", [])]


def pending(table_name: str, index: str, attribute: str, older_than: datetime, limit: int) -> list[str]:
    """Ids of requests listed on a sparse index while `attribute` marks them pending, requested before `older_than`."""
    response = aws.dynamodb().query(
        TableName=table_name,
        IndexName=index,
        KeyConditionExpression="#pending = :pending AND requested_at < :before",
        ExpressionAttributeNames={"#pending": attribute},
        ExpressionAttributeValues={
            ":pending": to_value(PENDING),
            ":before": to_value(to_storage(older_than)),
        },
        Limit=limit,
    )
    return [from_item(item)["service_request_id"] for item in response.get("Items", [])]
