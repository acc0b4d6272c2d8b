"""The emergency alert dispatch receives, and its publication to the EmergencyAlert topic with retries.

The alert is the one place a caller's callback number leaves the system: dispatch needs it to call back.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Literal

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field

from civic311 import aws, clock
from civic311.errors import DependencyUnavailable

logger = Logger(child=True)

AlertKind = Literal["screened", "staff-escalation", "diversion", "unacknowledged"]


class AlertLocation(BaseModel):
    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(defer_build=True)

    lat: float | None = None
    long: float | None = None
    address: str | None = None


class EmergencyAlert(BaseModel):
    """What dispatch gets. `alert_id` is stable per request, so a repeated delivery can be recognised.

    `sent_at` is when this copy was published: SNS delivers at least once, so a publish whose answer was
    lost (a timeout after SNS accepted it) arrives twice with the same `sent_at`; 311 itself publishes a
    request's alert again only if SNS refused it, and only after the lease of the attempt before lapsed.
    """

    model_config = ConfigDict(defer_build=True)

    alert_id: str
    kind: AlertKind
    service_request_id: str
    service_code: str
    channel: str
    language: str
    location: AlertLocation
    callback_number: str | None = None
    description: str | None = None
    signals: list[str] = []
    crisis: bool = False
    reported_at: str
    escalated_by: str | None = None
    reason: str | None = None
    sent_at: str | None = None
    # The resident web page's api_key is public by design, so anyone can send through it: dispatch weighs such
    # a report as unverified. Partner apps' keys are issued to known clients; phone calls and staff are verified.
    verified: bool = True
    source: str | None = Field(default=None, description="Where the report came from: public-web, app, phone, staff.")

    def subject(self) -> str:
        where = self.location.address or (
            f"{self.location.lat:.5f},{self.location.long:.5f}" if self.location.lat is not None else "unknown location"
        )
        return f"311 EMERGENCY {self.service_request_id}: {where}"[:100]


class AlertPublisher:
    """Publishes alerts to the EmergencyAlert topic, retrying with exponential backoff and jitter."""

    def __init__(
        self,
        topic_arn: str,
        attempts: int = 4,
        first_delay_seconds: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.topic_arn = topic_arn
        self.attempts = attempts
        self.first_delay_seconds = first_delay_seconds
        self.sleep = sleep

    def publish(self, alert: EmergencyAlert) -> str:
        """Publish and return the SNS message id; DependencyUnavailable once every attempt failed."""
        attributes = {
            "kind": alert.kind,
            "service_code": alert.service_code,
            "channel": alert.channel,
            "language": alert.language,
            "crisis": "true" if alert.crisis else "false",
            "severity": "emergency",
            "verified": "true" if alert.verified else "false",
        }
        for attempt in range(1, self.attempts + 1):
            copy = alert.model_copy(update={"sent_at": clock.to_local_iso_ms(clock.now())})
            try:
                response = aws.sns().publish(
                    TopicArn=self.topic_arn,
                    Subject=alert.subject(),
                    Message=json.dumps(copy.model_dump(mode="json")),
                    MessageAttributes={
                        key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()
                    },
                )
                return str(response["MessageId"])
            except (ClientError, BotoCoreError) as error:
                logger.warning(
                    "emergency alert publish failed",
                    extra={"service_request_id": alert.service_request_id, "attempt": attempt, "error": str(error)},
                )
                if attempt == self.attempts:
                    break
                # Full jitter: spread retries from many intakes so they do not hammer SNS together.
                self.sleep(random.uniform(0, self.first_delay_seconds * 2 ** (attempt - 1)))  # noqa: S311
        raise DependencyUnavailable("the emergency alert could not be published yet; it stays pending and is retried")
