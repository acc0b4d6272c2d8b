"""The alert publisher, with dispatch's topic as a list: what it accepted, in order.

It answers as AlertPublisher answers after its retries: a message id, DependencyUnavailable while SNS is refusing
(`refusing` publishes in a row), PoisonAlert when SNS refuses the message as invalid (`poison`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from civic311.errors import DependencyUnavailable
from civic311.escalation.alert_model import EmergencyAlert
from civic311.escalation.alerts import PoisonAlert


class InMemoryAlertPublisher:
    """Publishes to a list; `while_publishing` runs inside a publish, for races with another attempt."""

    def __init__(self, refusing: int = 0, poison: bool = False) -> None:
        self.sent: list[EmergencyAlert] = []
        self.attempts = 0
        self.refusing = refusing
        self.poison = poison
        self.while_publishing: Callable[[EmergencyAlert], None] | None = None
        self._ids = itertools.count(1)

    def publish(self, alert: EmergencyAlert, dedup_round: str | None = None) -> str:
        self.attempts += 1
        if self.while_publishing is not None:
            during, self.while_publishing = self.while_publishing, None
            during(alert)
        if self.poison:
            raise PoisonAlert("InvalidParameter", "Invalid parameter: Message")
        if self.refusing > 0:
            self.refusing -= 1
            raise DependencyUnavailable(
                "the emergency alert could not be published yet; it stays pending and is retried"
            )
        self.sent.append(alert)
        return f"message-{next(self._ids)}"

    def alert_ids(self) -> list[str]:
        return [alert.service_request_id for alert in self.sent]
