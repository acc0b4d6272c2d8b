"""Scheduled status sync: a request closed in a department's own Open311 system closes here."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311 import budget
from civic311.logs import function_logger
from civic311.settings import DepartmentSyncSettings
from civic311.workflow.department_sync import DepartmentSync

logger = function_logger()
sync = DepartmentSync(DepartmentSyncSettings.from_environment())


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    budget.bind(lambda_context)
    return asdict(sync.run())
