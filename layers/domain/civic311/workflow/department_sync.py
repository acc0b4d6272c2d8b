"""Bring back what departments with their own Open311 system did: a request closed there closes here.

Run on a schedule. For each department it asks for the statuses of the requests we forwarded and that are still
open here (one Query for them, one GET per 50), and resolves the closed ones through the call workflow, as a
staff resolution does, with the department's status_notes as the resident's note. A department that does not
answer is skipped until the next run; the others go on.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from functools import cached_property

from aws_lambda_powertools import Logger

from civic311 import budget, clock, metrics
from civic311.cases import staff_actions
from civic311.catalog import load_catalog
from civic311.catalog.departments import ExternalDepartment, load_departments
from civic311.errors import Civic311Error, Conflict
from civic311.models.cases import ServiceRequest, Status, one_line
from civic311.settings import DepartmentSyncSettings
from civic311.store import failures
from civic311.store.departments import DepartmentSystem, TheirStatus
from civic311.store.forwards import Forward, ForwardStore
from civic311.store.requests import RequestStore
from civic311.workflow import messages
from civic311.workflow.forwarding import department_system

logger = Logger(child=True)

IDS_PER_CALL = 50
# Time kept back from the invocation for the last call (its deadline) and the resolutions after it.
MARGIN_SECONDS = 15.0
NOTE_CHARACTERS = 1000
# GeoReport v2 has two statuses; some servers (SeeClickFix among them) say more: these mean done.
CLOSED = frozenset({"closed", "archived", "resolved"})


@dataclass
class SyncReport:
    """What one run did, per department."""

    closed: int = 0
    still_open: int = 0
    failed_departments: list[str] = field(default_factory=list)


class DepartmentSync:
    """The scheduled status sync."""

    def __init__(self, settings: DepartmentSyncSettings) -> None:
        self.settings = settings

    @cached_property
    def forwards(self) -> ForwardStore:
        return ForwardStore(self.settings.service_requests_table)

    @cached_property
    def requests(self) -> RequestStore:
        # Reads requests and resumes their workflows; never their contact details (no contact key here).
        return RequestStore(self.settings.service_requests_table)

    def run(self) -> SyncReport:
        report = SyncReport()
        for department in load_departments().departments:
            try:
                system = department_system(department, self.settings)
                if system is not None:
                    self._sync(department, system, report)
            except Civic311Error as error:
                # One department's outage must not stop the others; the next run asks again.
                logger.warning(
                    "department sync failed", extra={"department": department.department, "error": error.message}
                )
                metrics.count("DepartmentSyncFailures", department=department.department)
                report.failed_departments.append(department.department)
        return report

    def _sync(self, department: ExternalDepartment, system: DepartmentSystem, report: SyncReport) -> None:
        tracked = self.forwards.open_forwards(department.department)
        by_their_id: dict[str, Forward] = {}
        for forward in tracked:
            if forward.their_id is None and forward.token:
                their_id = system.id_for_token(forward.token)
                if their_id is None:
                    continue
                forward = Forward(forward.department, forward.service_request_id, their_id, forward.token)
                self.forwards.record(forward, clock.now())
            if forward.their_id:
                by_their_id[forward.their_id] = forward
        ids = list(by_their_id)
        # In a random order, so that when a run's time runs out first, the next run asks about the others.
        random.shuffle(ids)
        stop_at = budget.deadline(min(MARGIN_SECONDS, budget.remaining_seconds() / 2))
        for start in range(0, len(ids), IDS_PER_CALL):
            if time.monotonic() > stop_at:
                break
            for status in system.statuses(ids[start : start + IDS_PER_CALL]):
                known = by_their_id.get(status.service_request_id)
                if known is None:
                    continue
                if status.status in CLOSED and self._close(known, status):
                    report.closed += 1
                else:
                    report.still_open += 1

    def _close(self, forward: Forward, status: TheirStatus) -> bool:
        """Resolve our request with the department's note; False while its workflow cannot take it yet."""
        request = self.requests.get(forward.service_request_id)
        if request is None or request.status == Status.CLOSED:
            self.forwards.done(forward)
            return request is not None
        try:
            staff_actions.resolve(
                self.requests, request, self._note(request, status), by=forward.department, public=True
            )
        except Conflict:
            return False  # the workflow is not waiting for a resolution yet; the next run tries again
        except failures.AwsError as error:
            # One request Step Functions will not resume must not hold up the others; the next run tries again.
            logger.warning(
                "resolution not resumed",
                extra={"service_request_id": request.service_request_id, "error": failures.code(error)},
            )
            return False
        self.forwards.done(forward)
        return True

    def _note(self, request: ServiceRequest, status: TheirStatus) -> str:
        """Their status_notes as one plain line, or that the department closed it."""
        said = one_line(status.status_notes or "")[:NOTE_CHARACTERS]
        if said:
            return said
        name = load_catalog().departments[load_catalog().get(request.service_code).department](request.language)
        return messages.closed_by_department(request.language, name)
