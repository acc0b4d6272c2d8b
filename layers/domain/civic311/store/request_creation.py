"""New service requests: the one write that stores a request with its caller's sealed contact details apart.

A retry under the same client key lands on the same id, so a refused create says what is stored there (IdTaken).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import DependencyUnavailable
from civic311.models.cases import Contact, KeyUse, ServiceRequest
from civic311.store.callers import CallerKeys
from civic311.store.contacts import ContactSeal
from civic311.store.dynamo import from_item, to_item, to_value
from civic311.store.quotas import KeyQuotas, QuotaClaim
from civic311.store.request_items import (
    AWAITING,
    CONTACT_SK,
    PENDING,
    REQUEST_SK,
    epoch_ms,
    month_of,
    request_pk,
    to_request,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

logger = Logger(child=True)


class IdTaken(Exception):
    """The id is taken already: `holder` is the request stored there, and `key_use` the client key that made it.

    Both come back with the refused write itself (ReturnValuesOnConditionCheckFailure), at no extra call.
    """

    def __init__(self, request_id: str, holder: ServiceRequest | None, key_use: KeyUse | None) -> None:
        super().__init__(request_id)
        self.holder = holder
        self.key_use = key_use


class RequestCreation:
    """Creates requests and reads back their callers' contact details (part of RequestStore)."""

    table_name: str
    contact_retention: timedelta
    caller_keys: CallerKeys | None
    contacts: ContactSeal | None

    def create(
        self,
        request: ServiceRequest,
        key_use: KeyUse | None = None,
        alert_lease_until: datetime | None = None,
        quota: QuotaClaim | None = None,
    ) -> None:
        """Store a new request, its contact details apart (with an expiry), in one write; IdTaken if the id exists.

        `key_use`: the client key that made it, kept on the request (cases/idempotency.py).
        `alert_lease_until`: the caller publishes the pending alert itself and holds the right to until then.
        `quota`: the client's quota unit, taken by the same write (TooManyRequests, and nothing stored, if spent).
        """
        stored_at = to_storage(request.requested_at)
        item = request.model_dump(mode="json", exclude_none=True, exclude={"contact"})
        item |= {
            "pk": request_pk(request.service_request_id),
            "sk": REQUEST_SK,
            "gsi1pk": f"REQ#{month_of(request.requested_at)}",
            "gsi1sk": f"{stored_at}#{request.service_request_id}",
            "gsi2pk": f"CODE#{request.service_code}",
            "gsi2sk": f"{stored_at}#{request.service_request_id}",
            "requested_at": stored_at,
            "updated_at": to_storage(request.updated_at),
            # Cleared by the workflow's first step; until then the sweeper may (re)start it.
            "pending_workflow": PENDING,
        }
        if request.alert is not None and request.alert.status == "pending":
            # Cleared only once SNS has accepted the alert; the sweeper and the workflow keep trying until then.
            item["pending_alert"] = PENDING
            if alert_lease_until is not None:
                item["alert_lease"] = epoch_ms(alert_lease_until)
        if request.alert is not None and request.alert.acknowledged_by is None:
            # Listed for dispatch from the moment it is an emergency, until a dispatcher acknowledges it.
            item["awaiting_ack"] = AWAITING
        if request.alert is None and request.screening is not None and request.screening.decision == "review":
            # Listed for call-takers (AwaitingReview) until one answers or the workflow's window runs out.
            item["awaiting_review"] = AWAITING
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
        if quota is not None:
            writes.append({"Update": quota.update})
        try:
            if len(writes) == 1:
                aws.dynamodb().put_item(**writes[0]["Put"])
            else:
                aws.dynamodb().transact_write_items(TransactItems=writes)
        except ClientError as error:
            if quota is not None and (refusal := _quota_refusal(error, len(writes) - 1)) is not None:
                if refusal == "ConditionalCheckFailed":
                    raise quota.refused() from None
                # The counter alone was throttled or busy (another write of this client's is counting): count it
                # with a call of its own, which waits its turn, then store the request without it.
                KeyQuotas.take_claim(quota)
                self.create(request, key_use, alert_lease_until)
                return
            taken = _refused_for_the_id(error)
            if taken is None:
                raise
            held = cast("dict[str, Any] | None", taken.get("Item"))
            holder = from_item(held) if held else None
            use = KeyUse.model_validate(holder["key_use"]) if holder and "key_use" in holder else None
            raise IdTaken(request.service_request_id, to_request(holder) if holder else None, use) from error

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

    def get_contact(self, request_id: str) -> Contact | None:
        """The caller's contact details, if given and not yet expired (for dispatch and notifications only).

        DependencyUnavailable if KMS will not open them (unreachable, or this function may not decrypt).
        """
        if self.contacts is None:
            raise RuntimeError("this store was built without the contact key")
        response = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key={"pk": to_value(request_pk(request_id)), "sk": to_value(CONTACT_SK)},
            ProjectionExpression="sealed_contact",
            ConsistentRead=True,
        )
        item = response.get("Item")
        if not item or "sealed_contact" not in item:
            return None
        return self.contacts.open(request_id, bytes(from_item(item)["sealed_contact"]))


def _quota_refusal(error: ClientError, index: int) -> str | None:
    """Why the transaction's quota counter (at `index`) was refused, when it alone was; None otherwise."""
    reasons = cast("dict[str, Any]", error.response).get("CancellationReasons") or []
    if len(reasons) <= index:
        return None
    codes = [reason.get("Code", "None") for reason in reasons]
    if codes[index] == "None" or any(code != "None" for code in codes[:index]):
        return None
    return str(codes[index])


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
