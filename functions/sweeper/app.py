"""Scheduled sweeper: deliver 911 alerts SNS refused at intake and start workflows that never started."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311 import budget
from civic311.escalation.service import Escalation
from civic311.logs import function_logger
from civic311.settings import SweeperSettings
from civic311.store.requests import sealed_request_store
from civic311.workflow.starter import WorkflowStarter
from civic311.workflow.sweeper import Sweeper

logger = function_logger()
settings = SweeperSettings.from_environment()
store = sealed_request_store(settings.service_requests_table, settings.contact_key_id)
sweeper = Sweeper(
    store=store,
    escalation=Escalation.for_topics(store, settings.emergency_alert_topic_arn, settings.operations_topic_arn),
    starter=WorkflowStarter(settings.call_workflow_arn),
)


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    budget.bind(lambda_context)
    return sweeper.sweep().model_dump()
