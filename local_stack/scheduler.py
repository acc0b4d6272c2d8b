"""Runs the template's rate() schedules, invoking each function with a scheduled event as EventBridge would."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from local_stack.lambda_runtime import LambdaRuntime
from local_stack.provisioning.records import Schedule
from local_stack.template import ACCOUNT_ID, REGION


def scheduled_event(schedule: Schedule, now: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{schedule.rule_name}"],
        "detail": {},
    }


class Scheduler:
    """One background thread firing every schedule at its rate, first run one period after start."""

    def __init__(self, schedules: list[Schedule], runtime: LambdaRuntime) -> None:
        self.schedules = schedules
        self.runtime = runtime
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> None:
        if self.schedules:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        started = time.monotonic()
        due = {schedule.rule_name: started + schedule.every_seconds for schedule in self.schedules}
        while not self._stop.wait(1.0):
            now = time.monotonic()
            for schedule in self.schedules:
                if now >= due[schedule.rule_name]:
                    due[schedule.rule_name] = now + schedule.every_seconds
                    self.runtime.invoke(schedule.function_name, scheduled_event(schedule, datetime.now(UTC)))
