"""The emergency alert dispatch receives, and its publication to the EmergencyAlert topic with retries.

The alert is the one place a caller's callback number leaves the system: dispatch needs it to call back.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable

from aws_lambda_powertools import Logger

from civic311 import budget, clock
from civic311.errors import DependencyUnavailable
from civic311.escalation import eido
from civic311.escalation.alert_model import SUBJECT_LIMIT, EmergencyAlert
from civic311.store import failures, messaging

logger = Logger(child=True)


class AlertUnconfirmed(DependencyUnavailable):
    """No attempt was confirmed, and one may have reached SNS (its answer timed out): `sent_at` names that copy,
    so the next attempt sends the same copy again rather than a second one."""

    def __init__(self, sent_at: str) -> None:
        super().__init__(
            "the emergency alert is not confirmed yet; it stays pending and is sent again as the same copy"
        )
        self.sent_at = sent_at


class PoisonAlert(Exception):
    """SNS refused the alert as invalid: sending the same message again cannot succeed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


# Client errors that say the message itself is wrong. Throttling, outages, a disabled key or a missing
# permission are not among them: those are fixed by waiting or by operators, and the alert stays pending.
REFUSED_AS_INVALID = frozenset(
    {"InvalidParameter", "InvalidParameterValue", "ParameterValueInvalid", "ValidationError", "ValidationException"}
)
# The longest one attempt can take (the alert client's connect and read timeouts).
ATTEMPT_SECONDS = messaging.ALERT_ATTEMPT_SECONDS
# What the invocation needs after the last attempt: give the lease back, record, answer the caller. The first
# attempt, the one most likely to succeed, may use more of the time than the retries.
SAFETY_MARGIN_SECONDS = 2.0
FIRST_ATTEMPT_MARGIN_SECONDS = 0.5


def refused_as_invalid(error: BaseException) -> bool:
    """Whether SNS refused the message itself (a poison alert), rather than being busy or misconfigured."""
    return failures.code(error) in REFUSED_AS_INVALID


class AlertPublisher:
    """Publishes alerts to the EmergencyAlert topic, retrying with backoff inside the invocation's time."""

    def __init__(
        self,
        topic_arn: str,
        attempts: int = 4,
        first_delay_seconds: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
        invocation_end: Callable[[], float] = lambda: budget.deadline(0),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.topic_arn = topic_arn
        self.attempts = attempts
        self.first_delay_seconds = first_delay_seconds
        self.sleep = sleep
        self.invocation_end = invocation_end
        self.monotonic = monotonic

    def publish(self, alert: EmergencyAlert, dedup_round: str | None = None) -> str:
        """Publish and return the SNS message id.

        DependencyUnavailable when no attempt succeeded in the time left (the alert stays pending);
        PoisonAlert at once when SNS refuses the message as invalid.
        """
        attributes = {
            "kind": alert.kind,
            "service_code": alert.service_code,
            "channel": alert.channel,
            "language": alert.language,
            "crisis": "true" if alert.crisis else "false",
            "severity": "emergency",
            "verified": "true" if alert.verified else "false",
        }
        if dedup_round is not None:
            attributes["round"] = dedup_round
        end = self.invocation_end()
        # One copy for every attempt of this call: an attempt whose answer was lost (a read timeout after SNS
        # accepted it) is sent again as the same copy, which dispatch recognises, as when the SDK retried.
        # A copy an earlier attempt may have delivered (alert_for sets it) is sent again as it was.
        copy = alert if alert.sent_at else alert.model_copy(update={"sent_at": clock.to_local_iso_ms(clock.now())})
        # The body is the NENA EIDO a CAD reads; SMS subscribers get a short text instead.
        message = json.dumps(eido.eido(copy))
        per_protocol = {"sms": eido.sms_text(copy)}
        ambiguous = False
        for attempt in range(1, self.attempts + 1):
            margin = FIRST_ATTEMPT_MARGIN_SECONDS if attempt == 1 else SAFETY_MARGIN_SECONDS
            if self.monotonic() + ATTEMPT_SECONDS + margin > end:
                # Another attempt could outlive the invocation; leave the alert pending for the next one.
                logger.warning(
                    "emergency alert publish stopped at the invocation's deadline",
                    extra={"service_request_id": alert.service_request_id, "attempt": attempt},
                )
                break
            try:
                return messaging.publish_alert(
                    self.topic_arn, message, subject=alert.subject(), attributes=attributes, per_protocol=per_protocol
                )
            except failures.AwsError as error:
                if refused_as_invalid(error):
                    raise PoisonAlert(str(failures.code(error)), failures.message(error)[:300]) from error
                self._failed(alert, attempt, error)
                ambiguous = ambiguous or failures.maybe_delivered(error)
            if attempt == self.attempts:
                break
            # Full jitter: spread retries from many intakes so they do not hammer SNS together.
            self.sleep(random.uniform(0, self.first_delay_seconds * 2 ** (attempt - 1)))  # noqa: S311
        if ambiguous and copy.sent_at:
            raise AlertUnconfirmed(copy.sent_at)
        raise DependencyUnavailable("the emergency alert could not be published yet; it stays pending and is retried")

    @staticmethod
    def _failed(alert: EmergencyAlert, attempt: int, error: Exception) -> None:
        logger.warning(
            "emergency alert publish failed",
            extra={"service_request_id": alert.service_request_id, "attempt": attempt, "error": str(error)},
        )


class OnCallPager:
    """Pages the on-call engineer through the OperationsTopic: for what no retry will fix."""

    def __init__(self, topic_arn: str | None) -> None:
        self.topic_arn = topic_arn

    def page(self, subject: str, message: str) -> bool:
        """Publish the page once (short timeouts); False if it could not be sent (the metric's alarm remains)."""
        if not self.topic_arn:
            logger.error("no operations topic to page", extra={"page": subject})
            return False
        try:
            messaging.publish_alert(
                self.topic_arn, message, subject="".join(c for c in subject if " " <= c <= "~")[:SUBJECT_LIMIT]
            )
        except failures.AwsError:
            logger.exception("on-call page not sent", extra={"page": subject})
            return False
        return True
