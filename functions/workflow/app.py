"""Call-workflow task function: Step Functions invokes it with the step to run."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311 import budget
from civic311.logs import function_logger
from civic311.settings import WorkflowSettings
from civic311.workflow.steps import WorkflowSteps

logger = function_logger()
steps = WorkflowSteps(WorkflowSettings.from_environment())


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    budget.bind(lambda_context)
    return steps.run(event)
