"""Escalation: send the 911 alert inside the call that found the emergency, and make sure it is delivered.

Intake publishes at once (with retries). If SNS still refuses, the request keeps its pending_alert flag:
the workflow's EnsureAlert step and the scheduled sweeper publish again until SNS accepts it.

Several attempts may want to publish the same pending alert (intake, a client's retry, EnsureAlert, the
sweeper). Only the holder of the request's publishing lease publishes, and the lease outlasts the longest
attempt (every publisher's Lambda timeout), so two of them never publish it at once. Intake and staff
escalation take the lease with the write that makes the request an emergency, so the first, fastest
publish costs no extra DynamoDB call. One duplicate remains possible: SNS accepts, then the delivery record
cannot be written for a long time (or the function dies between the two); the lease then lapses and the
alert is sent again. That is by design, a repeat rather than a loss, and `alert_id` lets dispatch drop it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from civic311 import clock, metrics
from civic311.catalog import Language
from civic311.errors import DependencyUnavailable, NotFound
from civic311.escalation.alert_model import AlertLocation, EmergencyAlert
from civic311.escalation.alerts import AlertPublisher, AlertUnconfirmed, OnCallPager, PoisonAlert
from civic311.models.cases import AlertState, Channel, Contact, ServiceRequest
from civic311.store import failures
from civic311.store.api_clients import WEB_CLIENT_ID
from civic311.store.requests import RequestStore

logger = Logger(child=True)

EMERGENCY_NOTICE: dict[Language, str] = {
    "en": (
        "If someone is in danger right now, call 911. This report reads like an emergency, "
        "so 311 has sent it to 911 dispatch."
    ),
    "es": (
        "Si alguien está en peligro ahora mismo, llame al 911. Este reporte parece una emergencia, "
        "así que 311 lo envió al despacho del 911."
    ),
}
# Longer than any publisher can run (intake 10 s, workflow 30 s, sweeper 50 s: the template's timeouts).
PUBLISH_LEASE = timedelta(seconds=60)
# The alert is out; keep trying to record it for a few seconds, since a lost record means a repeat alert.
_RECORD_ATTEMPTS = 6
_RECORD_FIRST_DELAY_SECONDS = 0.05

CRISIS_NOTICE: dict[Language, str] = {
    "en": "If you are struggling, you can call or text 988 any time, in English or Spanish.",
    "es": "Si está pasando por un momento difícil, puede llamar o enviar un texto al 988 a cualquier hora, en español.",
}


def raised(request: ServiceRequest) -> None:
    """Count a new emergency alert before anything is published, so a hang cannot hide it from the alarms."""
    metrics.count("EmergencyAlertsRaised", channel=request.channel.value)


def alert_for(request: ServiceRequest, contact: Contact | None) -> EmergencyAlert:
    """The alert dispatch receives for a request (with the callback number, for dispatch only)."""
    if request.alert is None:
        raise ValueError(f"request {request.service_request_id} is not an emergency")
    screening = request.screening
    source = _source(request)
    return EmergencyAlert(
        alert_id=request.service_request_id,
        kind=request.alert.kind,
        service_request_id=request.service_request_id,
        service_code=request.service_code,
        channel=request.channel.value,
        language=request.language,
        location=AlertLocation(lat=request.place.lat, long=request.place.long, address=request.place.address),
        callback_number=contact.phone if contact else None,
        description=request.description,
        signals=screening.signals if screening else [],
        crisis=screening.crisis if screening else False,
        reported_at=clock.to_local_iso(request.requested_at),
        escalated_by=request.alert.escalated_by,
        reason=request.alert.reason,
        sent_at=request.alert.unconfirmed_copy,
        verified=source != PUBLIC_WEB,
        source=source,
    )


PUBLIC_WEB = "public-web"


def _source(request: ServiceRequest) -> str:
    if request.alert is not None and request.alert.escalated_by:
        return "staff"
    if request.channel == Channel.WEB or (request.channel == Channel.OPEN311 and request.source == WEB_CLIENT_ID):
        return PUBLIC_WEB
    return "app" if request.channel == Channel.OPEN311 else request.channel.value


class Escalation:
    """Publishes alerts and records their delivery on the request."""

    def __init__(
        self,
        store: RequestStore,
        publisher: AlertPublisher,
        clock_now: Callable[[], datetime] = clock.now,
        sleep: Callable[[float], None] = time.sleep,
        pager: OnCallPager | None = None,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.pager = pager or OnCallPager(None)
        self.clock_now = clock_now
        self.sleep = sleep

    @classmethod
    def for_topics(cls, store: RequestStore, alert_topic_arn: str, operations_topic_arn: str | None) -> Escalation:
        """Alerts to the EmergencyAlert topic; pages for poison alerts to the OperationsTopic."""
        return cls(store, AlertPublisher(alert_topic_arn), pager=OnCallPager(operations_topic_arn))

    def lease_until(self) -> datetime:
        """Until when a publisher that takes the lease now may publish."""
        return self.clock_now() + PUBLISH_LEASE

    def send(self, request: ServiceRequest, contact: Contact | None) -> bool:
        """Publish the alert now, holding its lease; False if still pending (it will be retried), never raises."""
        alert = alert_for(request, contact)
        try:
            message_id = self.publisher.publish(alert)
        except PoisonAlert as poison:
            self._poisoned(request, poison)
            return False
        except DependencyUnavailable as failure:
            metrics.count("EmergencyAlertPublishFailed", channel=request.channel.value)
            logger.error(
                "emergency alert pending after retries", extra={"service_request_id": request.service_request_id}
            )
            self._release(request.service_request_id, failure)
            return False
        metrics.count("EmergencyAlertsSent", channel=request.channel.value, kind=alert.kind)
        self._record(request.service_request_id, message_id)
        return True

    def ensure_delivered(self, request_id: str) -> str:
        """Deliver a pending alert (workflow step, sweeper, retried intake); DependencyUnavailable means retry later."""
        claimed, request = self.store.claim_alert(request_id, self.clock_now(), self.lease_until())
        if request.alert is None:
            return "none"
        if request.alert.status in ("delivered", "poison"):
            return request.alert.status
        if not claimed:
            raise DependencyUnavailable("another attempt is publishing this emergency alert; retry shortly")
        try:
            message_id = self.publisher.publish(alert_for(request, self.callback_contact(request_id)))
        except PoisonAlert as poison:
            self._poisoned(request, poison)
            return "poison"
        except DependencyUnavailable as failure:
            self._release(request_id, failure)
            raise
        metrics.count("EmergencyAlertsSent", channel=request.channel.value, kind=request.alert.kind)
        self._record(request_id, message_id)
        return "delivered"

    def escalate(self, request_id: str, reason: str, staff_id: str) -> tuple[ServiceRequest, bool]:
        """A call-taker turns a 311 request into a 911 escalation; returns it and whether the alert went out."""
        state = AlertState(status="pending", kind="staff-escalation", reason=reason, escalated_by=staff_id)
        current = self.store.get(request_id)
        if current is None:
            raise NotFound(f"service request {request_id} does not exist")
        request = self.store.escalate(
            request_id, state, EMERGENCY_NOTICE[current.language], self.clock_now(), self.lease_until()
        )
        metrics.count("Escalations", channel=request.channel.value, service_code=request.service_code)
        raised(request)
        return request, self.send(request, self.callback_contact(request_id))

    def callback_contact(self, request_id: str) -> Contact | None:
        """The caller's contact for dispatch to call back; None if there is none or it cannot be read now."""
        try:
            return self.store.get_contact(request_id)
        except DependencyUnavailable:
            # Dispatch gets the alert without a callback number rather than no alert.
            logger.error("alert sent without the callback number", extra={"service_request_id": request_id})
            return None

    def _poisoned(self, request: ServiceRequest, poison: PoisonAlert) -> None:
        """SNS refuses this alert as invalid: page on-call now, and take it off the pending list for good."""
        request_id = request.service_request_id
        metrics.count("EmergencyAlertsPoisoned", channel=request.channel.value)
        logger.error(
            "emergency alert refused as invalid", extra={"service_request_id": request_id, "error": str(poison)}
        )
        self.pager.page(
            f"911 alert for request {request_id} refused by SNS",
            (
                f"SNS refused the 911 alert for service request {request_id} as invalid ({poison}). "
                "Retrying cannot fix it. Call 911 dispatch with the request (staff console) now, "
                "then fix the cause."
            ),
        )
        try:
            self.store.alert_poisoned(request_id, str(poison)[:500], self.clock_now())
        except failures.AwsError:
            # Still pending: the next attempt is refused the same way and tries to record it again.
            logger.exception("poison alert not recorded", extra={"service_request_id": request_id})

    def _record(self, request_id: str, message_id: str) -> None:
        for attempt in range(1, _RECORD_ATTEMPTS + 1):
            try:
                self.store.alert_delivered(request_id, message_id, self.clock_now())
                return
            except failures.AwsError:
                if attempt == _RECORD_ATTEMPTS:
                    # SNS has the alert; only the bookkeeping failed. Once the lease lapses it is sent again,
                    # which dispatch recognises by alert_id: a repeat is better than a loss.
                    logger.exception("alert delivered but not recorded", extra={"service_request_id": request_id})
                    return
                self.sleep(random.uniform(0, _RECORD_FIRST_DELAY_SECONDS * 2**attempt))  # noqa: S311

    def _release(self, request_id: str, failure: DependencyUnavailable) -> None:
        unconfirmed = failure.sent_at if isinstance(failure, AlertUnconfirmed) else None
        try:
            self.store.release_alert(request_id, unconfirmed)
        except failures.AwsError:
            # The lease lapses by itself; the next attempt only waits a little longer.
            logger.warning("alert lease not released", extra={"service_request_id": request_id})
