"""Unmet-needs notifier: one SNS summary to supervisors per batch of queued gap notices."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.cases.gaps import parse_notices, publish_summary
from civic311.logs import function_logger
from civic311.settings import GapNotifierSettings

logger = function_logger()
settings = GapNotifierSettings.from_environment()


@logger.inject_lambda_context
@event_source(data_class=SQSEvent)
def handler(event: SQSEvent, lambda_context: LambdaContext) -> dict[str, Any]:
    notices = parse_notices([record.body for record in event.records])
    message_id = publish_summary(settings.supervisor_alerts_topic_arn, notices)
    logger.info("unmet-needs summary sent", extra={"notices": len(notices), "message_id": message_id})
    # All or nothing: a failed publish raises and the whole batch is retried (then dead-lettered), so none is lost.
    return {"notices": len(notices), "message_id": message_id}
