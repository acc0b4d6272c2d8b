"""The sweeper finishes what an intake could not: alerts SNS refused and workflows that never started.

It runs every minute on a schedule. Each pass is bounded and idempotent: publishing is recorded per
request, and a workflow is started under the request's id, so a second start is a no-op. A pass stops
before its invocation's time runs out (a hanging SNS must not let Lambda kill it before it reports), and
it reports a heartbeat and the pending count first, so an alarm hears of a pass that never finishes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from civic311 import budget, clock, metrics
from civic311.errors import DependencyUnavailable
from civic311.escalation.service import Escalation
from civic311.store import failures
from civic311.store.requests import RequestStore
from civic311.workflow.starter import WorkflowStarter

logger = Logger(child=True)

# Give intake (and the workflow's own EnsureAlert step) a head start before stepping in.
ALERT_GRACE = timedelta(seconds=20)
WORKFLOW_GRACE = timedelta(minutes=2)
# Enough for one time-boxed alert publish (escalation/alerts.py) and its bookkeeping, and for the report.
_STEP_SECONDS = 6.0


class SweepReport(BaseModel):
    alerts_delivered: int = 0
    alerts_poisoned: int = 0
    alerts_still_pending: int = 0
    workflows_started: int = 0
    workflows_not_started: int = 0
    out_of_time: bool = False


class Sweeper:
    def __init__(
        self,
        store: RequestStore,
        escalation: Escalation,
        starter: WorkflowStarter,
        clock_now: Callable[[], datetime] = clock.now,
        time_left: Callable[[], float] = budget.remaining_seconds,
    ) -> None:
        self.store = store
        self.escalation = escalation
        self.starter = starter
        self.clock_now = clock_now
        self.time_left = time_left

    def sweep(self) -> SweepReport:
        """One pass over pending alerts, then unstarted workflows, within the invocation's time."""
        report = SweepReport()
        now = self.clock_now()
        metrics.count("SweeperHeartbeat")
        pending = self.store.pending_alerts(older_than=now - ALERT_GRACE)
        # Reported before publishing anything: an alarm sees these alerts even if every publish hangs.
        metrics.count("PendingEmergencyAlerts", len(pending))
        for position, request_id in enumerate(pending):
            if self.time_left() < _STEP_SECONDS:
                # The rest stay pending for the next pass (and the workflows' EnsureAlert steps).
                report.alerts_still_pending += len(pending) - position
                report.out_of_time = True
                break
            try:
                if self.escalation.ensure_delivered(request_id) == "poison":
                    report.alerts_poisoned += 1
                else:
                    report.alerts_delivered += 1
            except DependencyUnavailable:
                report.alerts_still_pending += 1
            except failures.AwsError as error:
                if not failures.busy(error):
                    raise
                # A throttled table delays this alert to the next pass; it must not stop the others.
                report.alerts_still_pending += 1
        for request_id in self.store.pending_workflows(older_than=now - WORKFLOW_GRACE):
            if self.time_left() < _STEP_SECONDS:
                report.out_of_time = True
                break
            request = self.store.get(request_id)
            if request is not None and self.starter.start(request):
                report.workflows_started += 1
            else:
                report.workflows_not_started += 1
        # A gauge, so an alarm can watch for alerts that stay undelivered across passes.
        metrics.count("PendingEmergencyAlerts", report.alerts_still_pending)
        if report.alerts_still_pending or report.alerts_delivered or report.workflows_started or report.out_of_time:
            logger.info("sweep", extra=report.model_dump())
        return report
