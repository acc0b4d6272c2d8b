"""Intake: turn a request from any channel into a screened, stored case whose workflow then starts.

Every intake runs triage. An emergency is stored, its 911 alert is published inside this call (before
and independent of the workflow), and the resident is told to call 911. One write per request, keyed or
not: a client's key is kept on the request it made, whose id is drawn from the key (cases/idempotency.py),
so a retried POST never makes a second case and costs no extra call. The workflow starts from the table's
stream (WorkflowStarterFunction), not here, so no Step Functions call waits on the caller's answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from aws_lambda_powertools import Logger

from civic311 import clock, metrics
from civic311.cases.idempotency import KEY_ATTEMPTS, ClientKey, client_key
from civic311.cases.review import REVIEW_NOTICE
from civic311.catalog import Catalog, Language, ServiceType
from civic311.directory.household import from_answers
from civic311.errors import DependencyUnavailable, InvalidInput, KeyReused
from civic311.escalation.service import CRISIS_NOTICE, EMERGENCY_NOTICE, Escalation, raised
from civic311.models import tracking
from civic311.models.cases import (
    AlertState,
    Channel,
    Decision,
    KeyUse,
    NewRequest,
    Receipt,
    Screening,
    ServiceRequest,
    Status,
)
from civic311.models.vocabulary import SHELTER_CODE
from civic311.store.quotas import QuotaClaim
from civic311.store.request_creation import IdTaken
from civic311.store.requests import RequestStore
from civic311.triage import TriageResult, triage

logger = Logger(child=True)

_ID_ATTEMPTS = 5
# The signal staff and dispatch see when the caller, not the description, said someone is in danger.
DECLARED_EMERGENCY = "caller-declared-emergency"


class IntakeResources(Protocol):
    """What a channel's settings name for intake: the alert topics."""

    @property
    def emergency_alert_topic_arn(self) -> str: ...

    @property
    def operations_topic_arn(self) -> str | None: ...


Screen = Callable[[str, Language | None], TriageResult]


def _check_household(service: ServiceType, answers: dict[str, str | list[str]], channel: Channel) -> None:
    """The shelter's household answers must agree with each other: who needs the bed decides where it is."""
    if service.service_code != SHELTER_CODE:
        return
    try:
        from_answers(answers, require_ages=channel.fills_a_form)
    except ValueError as error:
        raise InvalidInput(str(error), details=str(error).split("; ")) from None


def random_request_id() -> str:
    """A fresh id for a new request, drawn at random: ten digits, easy to read back over the phone."""
    return str(10**9 + secrets.randbelow(9 * 10**9))


def expected_notice(service: ServiceType, language: Language) -> str:
    """What the resident is told to expect, in their language."""
    hours = service.sla_hours
    if hours < 48:
        span = {"en": f"{hours} hours", "es": f"{hours} horas"}[language]
    else:
        days = round(hours / 24)
        span = {"en": f"{days} days", "es": f"{days} días"}[language]
    department = service.name(language)
    return {
        "en": f"{department}: we aim to respond within {span}.",
        "es": f"{department}: buscamos responder en un plazo de {span}.",
    }[language]


class Intake:
    """Validates, screens and stores new requests, and alerts 911 for emergencies."""

    def __init__(
        self,
        catalog: Catalog,
        store: RequestStore,
        escalation: Escalation | None = None,
        screen: Screen = triage,
        clock_now: Callable[[], datetime] = clock.now,
        id_factory: Callable[[], str] = random_request_id,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.escalation = escalation
        self.screen = screen
        self.clock_now = clock_now
        self.id_factory = id_factory

    @classmethod
    def for_channel(cls, catalog: Catalog, store: RequestStore, resources: IntakeResources) -> Intake:
        """The intake a channel's function runs: alerts to its topics."""
        return cls(
            catalog=catalog,
            store=store,
            escalation=Escalation.for_topics(
                store, resources.emergency_alert_topic_arn, resources.operations_topic_arn
            ),
        )

    def suggest_code(self, description: str, language: Language | None = None) -> str:
        """The catalog code triage finds best for a description (for channels where the caller did not choose)."""
        return self.screen(description, language).service_code

    def submit(self, new_request: NewRequest, quota: QuotaClaim | None = None) -> Receipt:
        """Create the request (once per client key, see cases/idempotency.py) and return what the caller may see.

        KeyReused if the key made a different request within its retention. `quota`: the client's quota unit, taken
        by the request's own write (TooManyRequests if spent); a replayed answer takes none.
        """
        service = self.catalog.get(new_request.service_code)
        attributes = service.check_answers(new_request.attributes, require=new_request.channel.fills_a_form)
        _check_household(service, attributes, new_request.channel)
        found = self.screen(new_request.description or "", new_request.language)
        language: Language = new_request.language or found.language
        signals = list(found.signals)
        if new_request.declared_emergency:
            signals.append(DECLARED_EMERGENCY)
        screening = Screening(
            emergency=found.emergency,
            crisis=found.crisis,
            suggested_code=found.service_code,
            language=found.language,
            signals=signals,
            # A caller who declares an emergency is paged whatever the screening read.
            decision="emergency" if new_request.declared_emergency else found.decision,
        )
        moment = self.clock_now()
        alert = None
        if screening.emergency or new_request.declared_emergency:
            kind = "diversion" if new_request.channel == Channel.DIVERSION else "screened"
            alert = AlertState(status="pending", kind=kind)
            notice = EMERGENCY_NOTICE[language]
        elif screening.decision == "review":
            # A call-taker looks within minutes, but nobody should wait for that while someone is in danger.
            notice = f"{REVIEW_NOTICE[language]} {expected_notice(service, language)}"
        elif screening.crisis:
            notice = f"{expected_notice(service, language)} {CRISIS_NOTICE[language]}"
        else:
            notice = expected_notice(service, language)
        key = client_key(new_request)
        key_use = key.use(new_request, attributes, moment) if key is not None else None
        # The resident's tracking secret: they get it in the receipt; the table keeps its digest.
        secret = key.tracking_secret(key_use) if key is not None and key_use is not None else tracking.new_secret()
        for attempt in range(KEY_ATTEMPTS if key is not None else _ID_ATTEMPTS):
            request = ServiceRequest(
                service_request_id=key.request_id(attempt) if key is not None else self.id_factory(),
                token=tracking.digest(secret),
                service_code=service.service_code,
                status=Status.OPEN,
                status_notes=None,
                description=new_request.description or None,
                attributes=attributes,
                place=new_request.place,
                media_url=new_request.media_url,
                channel=new_request.channel,
                source=new_request.source,
                language=language,
                requested_at=moment,
                updated_at=moment,
                expected_at=moment + timedelta(hours=service.sla_hours),
                agency_responsible=self.catalog.department_name(service),
                service_notice=notice,
                contact=None if new_request.contact is None or new_request.contact.is_empty() else new_request.contact,
                screening=screening,
                alert=alert,
            )
            try:
                # Intake publishes the alert itself below, so it takes the publishing lease with the write.
                lease = self.escalation.lease_until() if alert is not None and self.escalation is not None else None
                self.store.create(request, key_use=key_use, alert_lease_until=lease, quota=quota)
                break
            except IdTaken as taken:
                if key is not None and key_use is not None and key.names(taken.key_use, moment):
                    return self._replay(new_request, key, key_use, taken)
                # Another request's id (another key's, one without a key, or this key's expired use): the next.
                continue
        else:
            if key is not None:
                raise KeyReused(
                    "this idempotency key has named too many requests; send a new key with each new request"
                )
            raise DependencyUnavailable("could not allocate a request id; please retry")
        metrics.count("Intakes", channel=request.channel.value, service_code=request.service_code)
        if request.alert is not None:
            metrics.count("Escalations", channel=request.channel.value, service_code=request.service_code)
            raised(request)
            if self.escalation is not None:
                # Inside the intake call and before the workflow: the alert must not wait for anything.
                self.escalation.send(request, request.contact)
        logger.info(
            "request created",
            extra={
                "service_request_id": request.service_request_id,
                "service_code": request.service_code,
                "channel": request.channel.value,
                "emergency": request.alert is not None,
                "signals": screening.signals,
            },
        )
        return Receipt(
            service_request_id=request.service_request_id,
            token=secret,
            service_notice=request.service_notice,
            account_id=request.contact.account_id if request.contact else None,
            emergency=request.alert is not None,
            decision=_decision(request),
        )

    def _replay(self, new_request: NewRequest, key: ClientKey, asked: KeyUse, taken: IdTaken) -> Receipt:
        """A retry whose first attempt stored its request: answer with that request, and finish its alert."""
        earlier, stored = taken.holder, taken.key_use
        if earlier is None or stored is None:
            raise DependencyUnavailable("the earlier attempt's request could not be read; please retry")
        if stored.fingerprint != asked.fingerprint:
            raise KeyReused(
                "this idempotency key was already used for a different request (its service code, place, "
                "description, answers or media differ); send a new key with each new request"
            )
        request_id = earlier.service_request_id
        # The first attempt may have stopped before publishing; under the lease that is safe to repeat.
        if earlier.alert is not None and earlier.alert.status == "pending" and self.escalation is not None:
            try:
                # Under the lease: the first attempt, the workflow or the sweeper may be publishing it right now.
                self.escalation.ensure_delivered(request_id)
            except DependencyUnavailable:
                logger.warning("alert still pending on a retried intake", extra={"service_request_id": request_id})
        metrics.count("IntakeReplays", channel=earlier.channel.value, service_code=earlier.service_code)
        return Receipt(
            service_request_id=request_id,
            # Drawn again from the stored salt and the client's key: the link the first answer gave.
            token=key.tracking_secret(stored),
            service_notice=earlier.service_notice,
            account_id=new_request.contact.account_id if new_request.contact else None,
            emergency=earlier.alert is not None,
            decision=_decision(earlier),
        )


def _decision(request: ServiceRequest) -> Decision:
    """Paged when an alert exists; otherwise what the screening decided (older requests: routine)."""
    if request.alert is not None:
        return "emergency"
    if request.screening is not None and request.screening.decision == "review":
        return "review"
    return "routine"
