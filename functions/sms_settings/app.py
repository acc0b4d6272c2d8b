"""Deploy-time SMS settings: the Custom::SmsSpendLimit resource, answered through its ResponseURL."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.channels.cloudformation import CustomResourceRequest, Outcome, run_custom_resource
from civic311.logs import function_logger
from civic311.store.sms_spend import ATTRIBUTE, set_spend_limit

logger = function_logger()
# One account-wide setting per region: the resource's id never changes, so an Update is never a replacement.
PHYSICAL_ID = "sms-monthly-spend-limit"


def apply_limit(request: CustomResourceRequest) -> Outcome:
    """Create or Update: the resource's MonthlySpendLimit becomes the account's."""
    wanted = str(request.resource_properties.get(ATTRIBUTE, ""))
    set_spend_limit(wanted)
    return Outcome(physical_resource_id=PHYSICAL_ID, data={ATTRIBUTE: wanted.strip()})


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    # No on_delete: the limit stays when the stack goes (civic311/store/sms_spend.py says why).
    return run_custom_resource(event, on_change=apply_limit)
