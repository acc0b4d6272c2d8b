"""HSDS API function (/hsds/): the resource directory for 211 partners, read-only, public records only."""

from typing import Any

from aws_lambda_powertools.event_handler import CORSConfig
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311 import budget
from civic311.channels.hsds.routes import HsdsContext, build_router
from civic311.channels.http import RestApi, install_error_handling
from civic311.logs import function_logger
from civic311.settings import HsdsApiSettings

logger = function_logger()
settings = HsdsApiSettings.from_environment()
# 211 partners' web directories read these from the browser.
app = RestApi(enable_validation=True, cors=CORSConfig(allow_origin="*", max_age=600))
install_error_handling(app)
app.include_router(build_router(HsdsContext(settings)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    budget.bind(lambda_context)
    return app.resolve(event, lambda_context)
