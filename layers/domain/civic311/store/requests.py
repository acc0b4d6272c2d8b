"""The service-requests table: one item per request, keyed for the queries Open311 and staff make.

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
  open_cell = <service_code>#<h3 cell>, requested_at     OpenNearby (sparse): open requests by place, for duplicates
  awaiting_ack = AWAITING, requested_at                  AwaitingAck (sparse): 911 alerts dispatch has not acknowledged
  caller_key = CALLER#<hmac of the number>, requested_at  ByCaller (sparse, on CONTACT items): a caller's requests;
                                                          it expires with the contact details, by TTL
  awaiting_review = AWAITING, requested_at              AwaitingReview (sparse): doubtful reports for a call-taker
                                                          (store/reviews.py; review_token: the workflow's wait)
  alert_lease = <epoch ms>                               who may publish a pending alert, until when (one at a time)
  key_use = {key, fingerprint, until, salt}              the client key that made the request (cases/idempotency.py)
  realert_round = <digest of the ack token>              the last acknowledgement wait a re-alert was sent for
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from civic311 import aws
from civic311.cases import tracking
from civic311.cases.idempotency import KeyUse
from civic311.cases.models import AlertState, Contact, RequestUpdate, ServiceRequest, Status
from civic311.clock import to_storage
from civic311.errors import Conflict, DependencyUnavailable, NotFound
from civic311.store import paging
from civic311.store.callers import CallerKeys
from civic311.store.contacts import ContactSeal
from civic311.store.dynamo import from_item, to_item, to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
        UpdateTypeDef,
    )

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
_PENDING = "PENDING"
_AWAITING = "AWAITING"
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
_BATCH_GET_LIMIT = 100
# Unprocessed keys are asked for again at most this many times in all, backing off between attempts.
_BATCH_GET_ATTEMPTS = 5
logger = Logger(child=True)


class IdTaken(Exception):
    """The id is taken already: `holder` is the request stored there, and `key_use` the client key that made it.

    Both come back with the refused write itself (ReturnValuesOnConditionCheckFailure), at no extra call.
    """

    def __init__(self, request_id: str, holder: ServiceRequest | None, key_use: KeyUse | None) -> None:
        super().__init__(request_id)
        self.holder = holder
        self.key_use = key_use


def awaiting(table_name: str, index: str, attribute: str, limit: int) -> list[ServiceRequest]:
    """Requests listed on a sparse index while `attribute` marks them as waiting on someone, oldest first."""
    response = aws.dynamodb().query(
        TableName=table_name,
        IndexName=index,
        KeyConditionExpression=f"{attribute} = :awaiting",
        ExpressionAttributeValues={":awaiting": to_value(_AWAITING)},
        Limit=limit,
    )
    return [_to_request(from_item(item)) for item in response.get("Items", [])]


class AlreadyAcknowledged(Conflict):
    """Dispatch acknowledged this alert already (a retry of the same acknowledgement, or a second dispatcher)."""


@dataclass(frozen=True)
class RequestFilter:
    """A listing: requested between start and end, optionally by codes and statuses, newest first."""

    start: datetime
    end: datetime
    service_codes: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()


def _request_pk(request_id: str) -> str:
    return f"REQ#{request_id}"


def new_request_id(keys: Mapping[str, Any]) -> str | None:
    """The request id in a stream record's keys (deserialised), if they are a request item's; None otherwise."""
    pk, sk = keys.get("pk"), keys.get("sk")
    if sk != REQUEST_SK or not isinstance(pk, str) or not pk.startswith("REQ#"):
        return None
    return pk.removeprefix("REQ#")


def _key(request_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": to_value(_request_pk(request_id)), "sk": to_value(REQUEST_SK)}


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _month(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def _months_newest_first(start: datetime, end: datetime) -> list[str]:
    year, month = end.astimezone(UTC).year, end.astimezone(UTC).month
    first = _month(start)
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


class RequestStore:
    """Reads and writes service requests."""

    def __init__(
        self,
        table_name: str,
        contact_retention_days: int = 180,
        caller_keys: CallerKeys | None = None,
        contacts: ContactSeal | None = None,
    ) -> None:
        self.table_name = table_name
        self.contact_retention = timedelta(days=contact_retention_days)
        # Only stores given caller keys index callers' numbers (the phone channel's).
        self.caller_keys = caller_keys
        # Only stores given the contact key write or read contact details; nothing is ever stored unsealed.
        self.contacts = contacts

    def create(
        self, request: ServiceRequest, key_use: KeyUse | None = None, alert_lease_until: datetime | None = None
    ) -> None:
        """Store a new request, its contact details apart (with an expiry), in one write; IdTaken if the id exists.

        `key_use`: the client key that made it, kept on the request (cases/idempotency.py).
        `alert_lease_until`: the caller publishes the pending alert itself and holds the right to until then.
        """
        stored_at = to_storage(request.requested_at)
        item = request.model_dump(mode="json", exclude_none=True, exclude={"contact"})
        item |= {
            "pk": _request_pk(request.service_request_id),
            "sk": REQUEST_SK,
            "gsi1pk": f"REQ#{_month(request.requested_at)}",
            "gsi1sk": f"{stored_at}#{request.service_request_id}",
            "gsi2pk": f"CODE#{request.service_code}",
            "gsi2sk": f"{stored_at}#{request.service_request_id}",
            "requested_at": stored_at,
            "updated_at": to_storage(request.updated_at),
            # Cleared by the workflow's first step; until then the sweeper may (re)start it.
            "pending_workflow": _PENDING,
        }
        if request.alert is not None and request.alert.status == "pending":
            # Cleared only once SNS has accepted the alert; the sweeper and the workflow keep trying until then.
            item["pending_alert"] = _PENDING
            if alert_lease_until is not None:
                item["alert_lease"] = _epoch_ms(alert_lease_until)
        if request.alert is not None and request.alert.acknowledged_by is None:
            # Listed for dispatch from the moment it is an emergency, until a dispatcher acknowledges it.
            item["awaiting_ack"] = _AWAITING
        if request.alert is None and request.screening is not None and request.screening.decision == "review":
            # Listed for call-takers (AwaitingReview) until one answers or the workflow's window runs out.
            item["awaiting_review"] = _AWAITING
            item.setdefault("review", {"status": "awaiting"})
        if request.expected_at:
            item["expected_at"] = to_storage(request.expected_at)
        if key_use is not None:
            item["key_use"] = key_use.model_dump(mode="json")
        writes: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": to_item(item),
                    "ConditionExpression": "attribute_not_exists(pk)",
                    # A retry under the same key lands on this id: what is stored here decides what it is told.
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ]
        sealed = self._sealed_contact(request)
        if request.contact is not None and sealed is not None:
            contact = {
                "pk": item["pk"],
                "sk": CONTACT_SK,
                "sealed_contact": sealed,
                # TTL removes contact details after the retention period; the request itself stays.
                "expires_at": int((request.requested_at + self.contact_retention).timestamp()),
            }
            if self.caller_keys is not None and request.contact.phone:
                # Lets the phone line find a caller's open requests without storing the number in the clear.
                contact |= {"caller_key": self.caller_keys.key_for(request.contact.phone), "requested_at": stored_at}
            writes.append({"Put": {"TableName": self.table_name, "Item": to_item(contact)}})
        try:
            if len(writes) == 1:
                aws.dynamodb().put_item(**writes[0]["Put"])
            else:
                aws.dynamodb().transact_write_items(TransactItems=writes)
        except ClientError as error:
            taken = _refused_for_the_id(error)
            if taken is None:
                raise
            held = cast("dict[str, Any] | None", taken.get("Item"))
            holder = from_item(held) if held else None
            use = KeyUse.model_validate(holder["key_use"]) if holder and "key_use" in holder else None
            raise IdTaken(request.service_request_id, _to_request(holder) if holder else None, use) from error

    def _sealed_contact(self, request: ServiceRequest) -> bytes | None:
        if request.contact is None:
            return None
        if self.contacts is None:
            raise RuntimeError(
                "this store was built without the contact key; contact details are never stored unsealed"
            )
        try:
            return self.contacts.seal(request.service_request_id, request.contact)
        except DependencyUnavailable:
            if request.alert is None:
                raise
            # An emergency is stored and alerted without its stored contact rather than not at all; the alert
            # sent inside this call still carries the callback number.
            logger.error(
                "emergency stored without its contact details", extra={"service_request_id": request.service_request_id}
            )
            return None

    def add_update(self, update: RequestUpdate, *, close: bool = False) -> None:
        """Record an update; a public one becomes the request's status note, and `close` closes it."""
        at = to_storage(update.updated_at)
        item = update.model_dump(mode="json") | {
            "pk": _request_pk(update.service_request_id),
            # Keyed by id, so a step that Step Functions retries rewrites its update instead of adding one.
            "sk": f"UPD#{update.update_id}",
            "updated_at": at,
        }
        if update.public:
            item |= {"gsi1pk": f"UPD#{_month(update.updated_at)}", "gsi1sk": f"{at}#{update.update_id}"}
        sets = ["updated_at = :at"]
        removes: list[str] = []
        values: dict[str, AttributeValueTypeDef] = {":at": to_value(at)}
        names: dict[str, str] = {}
        if update.public:
            sets.append("status_notes = :note")
            values[":note"] = to_value(update.description)
        if close:
            sets.append("#status = :closed")
            values[":closed"] = to_value(Status.CLOSED.value)
            names["#status"] = "status"
            removes += ["task_token", "ack_token", "awaiting_ack", "open_cell"]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        request_update: UpdateTypeDef = {
            "TableName": self.table_name,
            "Key": _key(update.service_request_id),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": values,
        }
        if names:
            request_update["ExpressionAttributeNames"] = names
        try:
            aws.dynamodb().transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self.table_name, "Item": to_item(item)}},
                    {"Update": request_update},
                ]
            )
        except ClientError as error:
            reasons = error.response.get("CancellationReasons", [])
            if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
                raise NotFound(f"service request {update.service_request_id} does not exist") from error
            raise

    def updates_for(self, request_id: str) -> list[RequestUpdate]:
        """A request's updates, oldest first."""
        response = aws.dynamodb().query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :updates)",
            ExpressionAttributeValues={":pk": to_value(_request_pk(request_id)), ":updates": to_value("UPD#")},
        )
        updates = [_to_update(from_item(item)) for item in response.get("Items", [])]
        return sorted(updates, key=lambda update: update.updated_at)

    def get_contact(self, request_id: str) -> Contact | None:
        """The caller's contact details, if given and not yet expired (for dispatch and notifications only).

        DependencyUnavailable if KMS will not open them (unreachable, or this function may not decrypt).
        """
        if self.contacts is None:
            raise RuntimeError("this store was built without the contact key")
        response = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key={"pk": to_value(_request_pk(request_id)), "sk": to_value(CONTACT_SK)},
            ProjectionExpression="sealed_contact",
            ConsistentRead=True,
        )
        item = response.get("Item")
        if not item or "sealed_contact" not in item:
            return None
        return self.contacts.open(request_id, bytes(from_item(item)["sealed_contact"]))

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

    def hold_resolution(self, request_id: str, note: str, resolved_by: str) -> None:
        """Keep a resolution's note for the workflow's Close step, which the resolution then resumes."""
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(request_id),
            UpdateExpression="SET resolution = :resolution",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":resolution": to_value({"note": note, "resolved_by": resolved_by})},
        )

    def held_resolution(self, request_id: str) -> tuple[str | None, str | None]:
        """(note, resolved_by) a resolution left for the Close step, if any."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=_key(request_id), ProjectionExpression="resolution", ConsistentRead=True
        )
        held = from_item(response.get("Item", {})).get("resolution") or {}
        return held.get("note"), held.get("resolved_by")

    def workflow_started(self, request_id: str, execution_arn: str) -> None:
        """Record the running workflow and take the request off the pending list."""
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(request_id),
            UpdateExpression="SET execution_arn = :arn REMOVE pending_workflow",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":arn": to_value(execution_arn)},
        )

    def await_resolution(self, request_id: str, task_token: str) -> bool:
        """Keep the workflow's task token on the request so a staff resolution can resume it.

        False (and no token kept) if the request is an emergency dispatch has not acknowledged: a staff
        escalation came in, and the workflow belongs in the acknowledgement loop instead.
        """
        try:
            aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=_key(request_id),
                UpdateExpression="SET task_token = :token",
                ConditionExpression=(
                    "attribute_exists(pk) AND (attribute_not_exists(alert) OR attribute_exists(alert.acknowledged_by))"
                ),
                ExpressionAttributeValues={":token": to_value(task_token)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def await_acknowledgement(self, request_id: str, task_token: str) -> bool:
        """Keep the token dispatch's acknowledgement resumes, listed as awaiting one; False if acknowledged already."""
        try:
            aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=_key(request_id),
                UpdateExpression="SET ack_token = :token, awaiting_ack = :awaiting",
                ConditionExpression="attribute_exists(alert) AND attribute_not_exists(alert.acknowledged_by)",
                ExpressionAttributeValues={":token": to_value(task_token), ":awaiting": to_value(_AWAITING)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def acknowledge(self, request_id: str, by: str, at: datetime) -> str | None:
        """Record dispatch's acknowledgement of the 911 alert and unlist it; the token of the wait, if one is parked.

        Conflict if the request is not an emergency or was acknowledged already; NotFound if there is none.
        """
        try:
            response = aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=_key(request_id),
                UpdateExpression="SET alert.acknowledged_by = :by, alert.acknowledged_at = :at REMOVE awaiting_ack",
                ConditionExpression="attribute_exists(alert) AND attribute_not_exists(alert.acknowledged_by)",
                ExpressionAttributeValues={":by": to_value(by), ":at": to_value(to_storage(at))},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            current = cast("dict[str, Any] | None", error.response.get("Item"))
            if current is None:
                raise NotFound(f"service request {request_id} does not exist") from None
            if "alert" not in current:
                raise Conflict(f"service request {request_id} is not a 911 escalation") from None
            raise AlreadyAcknowledged(f"service request {request_id} was acknowledged by dispatch already") from None
        token = from_item(response["Attributes"]).get("ack_token")
        return str(token) if token else None

    def realert_round(self, request_id: str) -> tuple[str | None, str | None]:
        """(the acknowledgement wait's token, the wait the last re-alert was sent for), read consistently."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key=_key(request_id),
            ProjectionExpression="ack_token, realert_round",
            ConsistentRead=True,
        )
        item = from_item(response.get("Item", {}))
        return item.get("ack_token"), item.get("realert_round")

    def realert_sent(self, request_id: str, round_id: str) -> None:
        """Record that this wait's re-alert is out, so a retried ReAlert step does not send it again."""
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(request_id),
            UpdateExpression="SET realert_round = :round",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":round": to_value(round_id)},
        )

    def awaiting_acknowledgement(self, limit: int = 100) -> list[ServiceRequest]:
        """Emergencies whose alert dispatch has not acknowledged yet, oldest first (the staff console's list)."""
        return awaiting(self.table_name, AWAITING_ACK, "awaiting_ack", limit)

    def tokens(self, request_id: str) -> tuple[str | None, str | None]:
        """(resolution token, acknowledgement token) the workflow is waiting on, if any."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key=_key(request_id),
            ProjectionExpression="task_token, ack_token",
            ConsistentRead=True,
        )
        item = from_item(response.get("Item", {}))
        return item.get("task_token"), item.get("ack_token")

    def forget_acknowledgement(self, request_id: str) -> None:
        aws.dynamodb().update_item(
            TableName=self.table_name, Key=_key(request_id), UpdateExpression="REMOVE ack_token, awaiting_ack"
        )

    def _set_token(self, request_id: str, attribute: str, token: str) -> None:
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(request_id),
            UpdateExpression="SET #token = :token",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#token": attribute},
            ExpressionAttributeValues={":token": to_value(token)},
        )

    def set_location(
        self, request: ServiceRequest, lat: float, long: float, jurisdiction_id: str, open_cell: str | None
    ) -> None:
        """Record where the request turned out to be, and list it for duplicate checks while it is open."""
        sets = ["place.lat = :lat", "place.#long = :long", "jurisdiction_id = :jurisdiction"]
        values = {":lat": to_value(lat), ":long": to_value(long), ":jurisdiction": to_value(jurisdiction_id)}
        if open_cell and request.status == Status.OPEN:
            sets.append("open_cell = :cell")
            values[":cell"] = to_value(open_cell)
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(request.service_request_id),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#long": "long"},
            ExpressionAttributeValues=values,
        )

    def open_in_cells(self, cells: Iterable[str], requested_before: datetime) -> list[ServiceRequest]:
        """Open requests listed in these cells (open_cell values), requested before the given time."""
        found: list[ServiceRequest] = []
        for cell in cells:
            response = aws.dynamodb().query(
                TableName=self.table_name,
                IndexName=OPEN_NEARBY,
                KeyConditionExpression="open_cell = :cell AND requested_at < :before",
                ExpressionAttributeValues={
                    ":cell": to_value(cell),
                    ":before": to_value(to_storage(requested_before)),
                },
            )
            found += [_to_request(from_item(item)) for item in response.get("Items", [])]
        return found

    def link_duplicate(self, child_id: str, parent_id: str) -> None:
        """Mark a request as a duplicate of an open one, which then resolves it too."""
        aws.dynamodb().transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": _key(child_id),
                        "UpdateExpression": "SET parent_id = :parent REMOVE open_cell",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":parent": to_value(parent_id)},
                    }
                },
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": _key(parent_id),
                        "UpdateExpression": "ADD children :child",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":child": {"SS": [child_id]}},
                    }
                },
            ]
        )

    def children(self, request_id: str) -> list[str]:
        """Ids of the duplicates linked to this request."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=_key(request_id), ProjectionExpression="children", ConsistentRead=True
        )
        return sorted(from_item(response.get("Item", {})).get("children", []))

    def pending_workflows(self, older_than: datetime, limit: int = 100) -> list[str]:
        """Ids of requests whose workflow has not confirmed its start since before `older_than`."""
        return self._pending(PENDING_WORKFLOW, "pending_workflow", older_than, limit)

    def pending_alerts(self, older_than: datetime, limit: int = 100) -> list[str]:
        """Ids of requests whose 911 alert SNS has not accepted yet, requested before `older_than`."""
        return self._pending(PENDING_ALERT, "pending_alert", older_than, limit)

    def _pending(self, index: str, attribute: str, older_than: datetime, limit: int) -> list[str]:
        response = aws.dynamodb().query(
            TableName=self.table_name,
            IndexName=index,
            KeyConditionExpression="#pending = :pending AND requested_at < :before",
            ExpressionAttributeNames={"#pending": attribute},
            ExpressionAttributeValues={
                ":pending": to_value(_PENDING),
                ":before": to_value(to_storage(older_than)),
            },
            Limit=limit,
        )
        return [from_item(item)["service_request_id"] for item in response.get("Items", [])]

    def alert_delivered(self, request_id: str, message_id: str, at: datetime) -> None:
        """Record that SNS accepted the request's alert and take it off the pending list."""
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(request_id),
            UpdateExpression=(
                "SET alert.#status = :delivered, alert.message_id = :message, alert.delivered_at = :at "
                "REMOVE pending_alert, alert_lease"
            ),
            ConditionExpression="attribute_exists(alert)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":delivered": to_value("delivered"),
                ":message": to_value(message_id),
                ":at": to_value(to_storage(at)),
            },
        )

    def alert_poisoned(self, request_id: str, error: str, at: datetime) -> None:
        """SNS refused the alert as invalid: record why, and take it off the pending list so it blocks nothing."""
        try:
            self._poison(request_id, error, at)
        except ClientError as failure:
            # Recorded already, or delivered by another attempt in the meantime: nothing to do.
            if failure.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _poison(self, request_id: str, error: str, at: datetime) -> None:
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(request_id),
            UpdateExpression=(
                "SET alert.#status = :poison, alert.#error = :error, updated_at = :at REMOVE pending_alert, alert_lease"
            ),
            ConditionExpression="alert.#status = :pending",
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":poison": to_value("poison"),
                ":pending": to_value("pending"),
                ":error": to_value(error),
                ":at": to_value(to_storage(at)),
            },
        )

    def claim_alert(self, request_id: str, now: datetime, until: datetime) -> tuple[bool, ServiceRequest]:
        """Take the right to publish the request's pending alert until `until`, if nobody holds it now.

        Returns (claimed, the request); NotFound if there is no such request. Not claimed means the alert is
        not pending (none, or delivered already) or another attempt is publishing it.
        """
        try:
            response = aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=_key(request_id),
                UpdateExpression="SET alert_lease = :until",
                ConditionExpression=(
                    "alert.#status = :pending AND (attribute_not_exists(alert_lease) OR alert_lease < :now)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":pending": to_value("pending"),
                    ":now": to_value(_epoch_ms(now)),
                    ":until": to_value(_epoch_ms(until)),
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            # The failed condition's item (ReturnValuesOnConditionCheckFailure); the stubs do not list it.
            current = cast("dict[str, Any] | None", error.response.get("Item"))
            if current is None:
                raise NotFound(f"service request {request_id} does not exist") from None
            return False, _to_request(from_item(current))
        return True, _to_request(from_item(response["Attributes"]))

    def release_alert(self, request_id: str, unconfirmed_copy: str | None = None) -> None:
        """Give up the right to publish a pending alert (the attempt failed), so the next one need not wait.

        `unconfirmed_copy`: the sent_at of a copy SNS may have received, for the next attempt to send again.
        """
        if unconfirmed_copy is None:
            aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=_key(request_id),
                UpdateExpression="REMOVE alert_lease",
                ConditionExpression="attribute_exists(pk)",
            )
            return
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(request_id),
            UpdateExpression="SET alert.unconfirmed_copy = :copy REMOVE alert_lease",
            ConditionExpression="attribute_exists(alert)",
            ExpressionAttributeValues={":copy": to_value(unconfirmed_copy)},
        )

    def escalate(
        self, request_id: str, alert: AlertState, notice: str, at: datetime, alert_lease_until: datetime | None = None
    ) -> ServiceRequest:
        """Turn an existing request into a 911 escalation; Conflict if it already is one.

        `alert_lease_until`: the caller publishes the alert itself and holds the right to until then.
        """
        values: dict[str, AttributeValueTypeDef] = {
            ":alert": to_value(alert.model_dump(mode="json", exclude_none=True)),
            ":pending": to_value(_PENDING),
            ":awaiting": to_value(_AWAITING),
            ":notice": to_value(notice),
            ":at": to_value(to_storage(at)),
        }
        sets = (
            "SET alert = :alert, pending_alert = :pending, awaiting_ack = :awaiting, "
            "service_notice = :notice, updated_at = :at"
        )
        if alert_lease_until is not None:
            sets += ", alert_lease = :lease"
            values[":lease"] = to_value(_epoch_ms(alert_lease_until))
        try:
            response = aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=_key(request_id),
                UpdateExpression=sets,
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(alert)",
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            if "Item" not in error.response:
                raise NotFound(f"service request {request_id} does not exist") from None
            raise Conflict(f"service request {request_id} is already escalated to 911") from None
        return _to_request(from_item(response["Attributes"]))

    def get(self, request_id: str) -> ServiceRequest | None:
        """The request with this id, or None."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key=_key(request_id),
        )
        item = response.get("Item")
        return _to_request(from_item(item)) if item else None

    def get_many(self, request_ids: Iterable[str]) -> list[ServiceRequest]:
        """The requests among these ids that exist, in the order asked."""
        wanted = list(dict.fromkeys(request_ids))
        found: dict[str, ServiceRequest] = {}
        for start in range(0, len(wanted), _BATCH_GET_LIMIT):
            keys = [
                {"pk": to_value(_request_pk(request_id)), "sk": to_value(REQUEST_SK)}
                for request_id in wanted[start : start + _BATCH_GET_LIMIT]
            ]
            pending: dict[str, Any] = {self.table_name: {"Keys": keys}}
            for attempt in range(_BATCH_GET_ATTEMPTS):
                if attempt:
                    # A throttled table hands keys back; asking again at once only adds to the throttling.
                    paging.pause(paging.batch_get_backoff(attempt))
                response = aws.dynamodb().batch_get_item(RequestItems=pending)
                for item in response["Responses"].get(self.table_name, []):
                    request = _to_request(from_item(item))
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
        return [_to_request(item) for item in listing.items], listing.resume_before

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
        return [_to_update(item) for item in listing.items], listing.resume_before

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
        request: QueryInputTypeDef = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :start AND :end",
            "ExpressionAttributeNames": {"#pk": pk_name, "#sk": sk_name},
            "ExpressionAttributeValues": {
                ":pk": to_value(pk_value),
                ":start": to_value(to_storage(query.start)),
                # '~' sorts after '#', so requests at exactly `end` are included.
                ":end": to_value(to_storage(query.end) + "~"),
            },
            "ScanIndexForward": False,
            # Pages no larger than what the caller can use; more pages follow only if filters drop items.
            "Limit": limit,
        }
        if query.statuses:
            names = {f":status{n}": to_value(status.value) for n, status in enumerate(query.statuses)}
            request["FilterExpression"] = f"#status IN ({', '.join(names)})"
            request["ExpressionAttributeNames"] = {"#pk": pk_name, "#sk": sk_name, "#status": "status"}
            request["ExpressionAttributeValues"] = {**request["ExpressionAttributeValues"], **names}
        while True:
            response = aws.dynamodb().query(**request)
            for item in response.get("Items", []):
                yield _to_request(from_item(item))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return
            request["ExclusiveStartKey"] = last_key


def _refused_for_the_id(error: ClientError) -> dict[str, Any] | None:
    """The refusal of a create because its id is taken (with the item there, if returned); None for any other."""
    response = cast("dict[str, Any]", error.response)
    if response["Error"]["Code"] == "ConditionalCheckFailedException":
        return response
    reasons = response.get("CancellationReasons") or []
    # The request's own Put comes first; the contact's has no condition.
    if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
        return cast("dict[str, Any]", reasons[0])
    return None


def _to_update(item: dict[str, Any]) -> RequestUpdate:
    for key in ("pk", "sk", "gsi1pk", "gsi1sk"):
        item.pop(key, None)
    return RequestUpdate.model_validate(item)


def _to_request(item: dict[str, Any]) -> ServiceRequest:
    for key in _STORAGE_ONLY:
        item.pop(key, None)
    return ServiceRequest.model_validate(item)
