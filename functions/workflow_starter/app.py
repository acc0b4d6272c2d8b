"""Workflow starter: starts the call workflow of each new request, from the service-requests table's stream.

Intake only stores the request, so the Step Functions call is off the caller's path. The stream carries keys only
(no contact details), and the event source's filter passes only new request items. A record that fails is reported
alone and retried; the sweeper starts any request still pending after that.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.logs import function_logger
from civic311.settings import WorkflowStarterSettings
from civic311.store.request_items import new_request_id
from civic311.workflow.starter import WorkflowStarter

logger = function_logger()
settings = WorkflowStarterSettings.from_environment()
starter = WorkflowStarter(settings.call_workflow_arn)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def start(record: DynamoDBRecord) -> None:
    request_id = new_request_id(record.dynamodb.keys if record.dynamodb else {})
    if record.event_name is None or record.event_name.name != "INSERT" or request_id is None:
        return  # not a new request (the filter keeps these out in AWS; the check keeps a stray one harmless)
    starter.start_new(request_id)
    logger.info("workflow started", extra={"service_request_id": request_id})


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=start, processor=processor, context=lambda_context)
