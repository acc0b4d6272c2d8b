"""Deploy-time SMS settings: the Custom::SmsSpendLimit resource, answered through its ResponseURL."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.channels.cloudformation import run_custom_resource
from civic311.logs import function_logger
from civic311.store.sms_spend import set_spend_limit

logger = function_logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    # No on_delete: the limit stays when the stack goes (civic311/store/sms_spend.py says why).
    return run_custom_resource(event, on_change=set_spend_limit)
