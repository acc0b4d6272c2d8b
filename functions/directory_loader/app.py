"""Deploy-time directory loader: the Custom::Directory resource, answered through its ResponseURL."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.channels.cloudformation import CustomResourceRequest, Outcome, run_custom_resource
from civic311.channels.directory_deploy import directory_resource
from civic311.logs import function_logger
from civic311.settings import DirectoryLoaderSettings

logger = function_logger()
settings = DirectoryLoaderSettings.from_environment()


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    def time_left() -> float:
        return lambda_context.get_remaining_time_in_millis() / 1000

    def load(request: CustomResourceRequest) -> Outcome:
        return directory_resource(request, settings.directory_table, time_left)

    # Delete keeps the data: the table's own lifecycle decides, and a Delete must never fail.
    return run_custom_resource(event, on_change=load)
