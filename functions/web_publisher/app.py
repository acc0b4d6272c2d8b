"""Deploy-time publisher of the web pages: the Custom::WebSite resource, answered through its ResponseURL."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.channels.cloudformation import CustomResourceRequest, Outcome, run_custom_resource
from civic311.logs import function_logger
from civic311.settings import WebPublisherSettings
from civic311.web.deploy import publish_site, retire_site

logger = function_logger()
settings = WebPublisherSettings.from_environment()


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    def publish(request: CustomResourceRequest) -> Outcome:
        return publish_site(request, settings.web_assets_dir, settings.api_clients_table)

    def retire(request: CustomResourceRequest) -> Outcome:
        retire_site(request, settings.api_clients_table)
        return Outcome(physical_resource_id=request.physical_resource_id or request.logical_resource_id)

    return run_custom_resource(event, on_change=publish, on_delete=retire)
