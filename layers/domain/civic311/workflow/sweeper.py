"""The sweeper finishes what an intake could not: alerts SNS refused and workflows that never started.

It runs every minute on a schedule. Each pass is bounded and idempotent: publishing is recorded per
request, and a workflow is started under the request's id, so a second start is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from civic311 import aws, clock, metrics
from civic311.errors import DependencyUnavailable
from civic311.escalation.service import Escalation
from civic311.store.requests import RequestStore
from civic311.workflow.starter import WorkflowStarter

logger = Logger(child=True)

# Give intake (and the workflow's own EnsureAlert step) a head start before stepping in.
ALERT_GRACE = timedelta(seconds=20)
WORKFLOW_GRACE = timedelta(minutes=2)


class SweepReport(BaseModel):
    alerts_delivered: int = 0
    alerts_still_pending: int = 0
    workflows_started: int = 0
    workflows_not_started: int = 0


class Sweeper:
    def __init__(
        self,
        store: RequestStore,
        escalation: Escalation,
        starter: WorkflowStarter,
        clock_now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.store = store
        self.escalation = escalation
        self.starter = starter
        self.clock_now = clock_now

    def sweep(self) -> SweepReport:
        """One pass over pending alerts, then unstarted workflows."""
        report = SweepReport()
        now = self.clock_now()
        for request_id in self.store.pending_alerts(older_than=now - ALERT_GRACE):
            try:
                self.escalation.ensure_delivered(request_id)
                report.alerts_delivered += 1
            except DependencyUnavailable:
                report.alerts_still_pending += 1
            except (ClientError, BotoCoreError) as error:
                if not aws.busy(error):
                    raise
                # A throttled table delays this alert to the next pass; it must not stop the others.
                report.alerts_still_pending += 1
        for request_id in self.store.pending_workflows(older_than=now - WORKFLOW_GRACE):
            request = self.store.get(request_id)
            if request is not None and self.starter.start(request):
                report.workflows_started += 1
            else:
                report.workflows_not_started += 1
        # A gauge, so an alarm can watch for alerts that stay undelivered across passes.
        metrics.count("PendingEmergencyAlerts", report.alerts_still_pending)
        if report.alerts_still_pending or report.alerts_delivered or report.workflows_started:
            logger.info("sweep", extra=report.model_dump())
        return report
