"""The request store's part that intake, escalation and staff actions use, kept in a dict.

Every write that is conditional on DynamoDB is conditional here, with the same outcome: a taken id raises IdTaken
with what is stored there, a held lease is not claimed, a second acknowledgement raises AlreadyAcknowledged.
What the table keeps is what comes back: timestamps to the millisecond, and no contact details on the request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from civic311.clock import from_storage, to_storage
from civic311.errors import Conflict, NotFound
from civic311.models import tracking
from civic311.models.cases import AlertState, Contact, KeyUse, RequestUpdate, ServiceRequest
from civic311.store.quotas import QuotaClaim
from civic311.store.request_acknowledgements import AlreadyAcknowledged
from civic311.store.request_creation import IdTaken


@dataclass
class _Item:
    """One request item: the request as stored, and the attributes only storage keeps."""

    request: ServiceRequest
    key_use: KeyUse | None = None
    contact: Contact | None = None
    lease_until: datetime | None = None
    pending_alert: bool = False
    awaiting_ack: bool = False
    task_token: str | None = None
    ack_token: str | None = None
    resolution: tuple[str, str] | None = None


def _condition_failed(operation: str) -> ClientError:
    """DynamoDB's refusal of a conditional write, which the real store lets through where it expects none."""
    return ClientError(
        {"Error": {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}}, operation
    )


def _ms(moment: datetime) -> datetime:
    return from_storage(to_storage(moment))


def _as_stored(request: ServiceRequest) -> ServiceRequest:
    """The request as a read gives it back: without its contact, every timestamp to the millisecond."""
    fields: dict[str, Any] = request.model_dump(exclude_none=True, exclude={"contact"})
    for name in ("requested_at", "updated_at", "expected_at"):
        if name in fields:
            fields[name] = _ms(fields[name])
    return ServiceRequest.model_validate(fields)


class InMemoryRequestStore:
    """RequestStore's create, reads, alert lease and delivery, escalation, acknowledgement and resolution hold."""

    def __init__(self) -> None:
        self.items: dict[str, _Item] = {}
        self.updates: list[RequestUpdate] = []
        # Conditional writes are atomic on DynamoDB; the rules' races run on threads here too.
        self._lock = threading.RLock()
        # Per-key quota counters the requests' writes took (store/quotas.py keeps them in the API clients table).
        self.quota_used: dict[str, int] = {}

    def _item(self, request_id: str) -> _Item:
        item = self.items.get(request_id)
        if item is None:
            raise NotFound(f"service request {request_id} does not exist")
        return item

    def _alert(self, item: _Item, **changes: Any) -> None:
        alert = item.request.alert
        assert alert is not None
        item.request = item.request.model_copy(update={"alert": alert.model_copy(update=changes)})

    # --- creation and reads ------------------------------------------------------------------------------------

    def create(
        self,
        request: ServiceRequest,
        key_use: KeyUse | None = None,
        alert_lease_until: datetime | None = None,
        quota: QuotaClaim | None = None,
    ) -> None:
        with self._lock:
            held = self.items.get(request.service_request_id)
            if held is not None:
                raise IdTaken(request.service_request_id, held.request, held.key_use)
            if quota is not None:
                # The key's counter for the claim's minute, refused at its limit; taken only with the request.
                if self.quota_used.get(quota.counter, 0) >= quota.per_minute:
                    raise quota.refused()
                self.quota_used[quota.counter] = self.quota_used.get(quota.counter, 0) + 1
            item = _Item(_as_stored(request), key_use=key_use)
            if request.contact is not None and not request.contact.is_empty():
                item.contact = request.contact
            if request.alert is not None and request.alert.status == "pending":
                item.pending_alert = True
                item.lease_until = alert_lease_until
            item.awaiting_ack = request.alert is not None and request.alert.acknowledged_by is None
            self.items[request.service_request_id] = item

    def get(self, request_id: str) -> ServiceRequest | None:
        item = self.items.get(request_id)
        return item.request if item else None

    def get_contact(self, request_id: str) -> Contact | None:
        item = self.items.get(request_id)
        return item.contact if item else None

    def find_by_token(self, token: str) -> ServiceRequest | None:
        """The request a tracking secret was issued for: requests keep the secret's digest, never the secret."""
        digest = tracking.digest(token)
        return next((item.request for item in self.items.values() if item.request.token == digest), None)

    # --- the 911 alert -----------------------------------------------------------------------------------------

    def escalate(
        self, request_id: str, alert: AlertState, notice: str, at: datetime, alert_lease_until: datetime | None = None
    ) -> ServiceRequest:
        with self._lock:
            item = self._item(request_id)
            if item.request.alert is not None:
                raise Conflict(f"service request {request_id} is already escalated to 911")
            item.request = item.request.model_copy(
                update={"alert": alert, "service_notice": notice, "updated_at": _ms(at)}
            )
            item.pending_alert = item.awaiting_ack = True
            if alert_lease_until is not None:
                item.lease_until = alert_lease_until
            return item.request

    def claim_alert(self, request_id: str, now: datetime, until: datetime) -> tuple[bool, ServiceRequest]:
        with self._lock:
            item = self._item(request_id)
            alert = item.request.alert
            # The lease is kept to the millisecond, as the table keeps it.
            if alert is None or alert.status != "pending" or (item.lease_until and _ms(item.lease_until) >= _ms(now)):
                return False, item.request
            item.lease_until = until
            return True, item.request

    def release_alert(self, request_id: str, unconfirmed_copy: str | None = None) -> None:
        with self._lock:
            item = self.items.get(request_id)
            if item is None or (unconfirmed_copy is not None and item.request.alert is None):
                raise _condition_failed("UpdateItem")
            if unconfirmed_copy is not None:
                self._alert(item, unconfirmed_copy=unconfirmed_copy)
            item.lease_until = None

    def alert_delivered(self, request_id: str, message_id: str, at: datetime) -> None:
        with self._lock:
            item = self.items.get(request_id)
            if item is None or item.request.alert is None:
                raise _condition_failed("UpdateItem")
            self._alert(item, status="delivered", message_id=message_id, delivered_at=_ms(at))
            item.pending_alert, item.lease_until = False, None

    def alert_poisoned(self, request_id: str, error: str, at: datetime) -> None:
        with self._lock:
            item = self.items.get(request_id)
            if item is None or item.request.alert is None or item.request.alert.status != "pending":
                return  # recorded already, or delivered in the meantime: as the real store, nothing to do
            self._alert(item, status="poison", error=error)
            item.request = item.request.model_copy(update={"updated_at": _ms(at)})
            item.pending_alert, item.lease_until = False, None

    def pending_alerts(self, older_than: datetime, limit: int = 100) -> list[str]:
        waiting = [item.request for item in self.items.values() if item.pending_alert]
        waiting = sorted((r for r in waiting if r.requested_at < older_than), key=lambda r: r.requested_at)
        return [request.service_request_id for request in waiting[:limit]]

    # --- dispatch's acknowledgement and staff's resolution -----------------------------------------------------

    def await_acknowledgement(self, request_id: str, task_token: str) -> bool:
        with self._lock:
            item = self.items.get(request_id)
            if item is None or item.request.alert is None or item.request.alert.acknowledged_by is not None:
                return False
            item.ack_token, item.awaiting_ack = task_token, True
            return True

    def acknowledge(self, request_id: str, by: str, at: datetime) -> str | None:
        with self._lock:
            item = self._item(request_id)
            if item.request.alert is None:
                raise Conflict(f"service request {request_id} is not a 911 escalation")
            if item.request.alert.acknowledged_by is not None:
                raise AlreadyAcknowledged(f"service request {request_id} was acknowledged by dispatch already")
            self._alert(item, acknowledged_by=by, acknowledged_at=_ms(at))
            item.awaiting_ack = False
            return item.ack_token

    def await_resolution(self, request_id: str, task_token: str) -> bool:
        with self._lock:
            item = self.items.get(request_id)
            alert = item.request.alert if item else None
            if item is None or (alert is not None and alert.acknowledged_by is None):
                return False
            item.task_token = task_token
            return True

    def forget_acknowledgement(self, request_id: str) -> None:
        item = self._item(request_id)
        item.ack_token, item.awaiting_ack = None, False

    def tokens(self, request_id: str) -> tuple[str | None, str | None]:
        item = self.items.get(request_id)
        return (item.task_token, item.ack_token) if item else (None, None)

    def hold_resolution(self, request_id: str, note: str, resolved_by: str) -> None:
        with self._lock:
            item = self.items.get(request_id)
            if item is None:
                raise _condition_failed("UpdateItem")
            item.resolution = (note, resolved_by)

    def held_resolution(self, request_id: str) -> tuple[str | None, str | None]:
        item = self.items.get(request_id)
        return item.resolution if item and item.resolution else (None, None)

    def add_update(self, update: RequestUpdate, *, close: bool = False) -> None:
        with self._lock:
            item = self._item(update.service_request_id)
            # Keyed by its id: a retried step rewrites its update instead of adding one.
            self.updates = [
                kept
                for kept in self.updates
                if kept.update_id != update.update_id or kept.service_request_id != update.service_request_id
            ] + [update]
            if close:
                item.task_token = item.ack_token = None
                item.awaiting_ack = False

    def updates_for(self, request_id: str) -> list[RequestUpdate]:
        return [update for update in self.updates if update.service_request_id == request_id]
