"""Open311 GeoReport v2 API function."""

import re
from typing import Any

from aws_lambda_powertools.event_handler import CORSConfig
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311 import budget
from civic311.channels.http import RestApi, install_error_handling
from civic311.channels.open311.context import Open311Context
from civic311.channels.open311.errors import PATHS, write_error
from civic311.channels.open311.keys import KEYED_SEGMENT
from civic311.channels.open311.routes import build_router
from civic311.logs import function_logger
from civic311.settings import Open311Settings

logger = function_logger()
context = Open311Context(Open311Settings.from_environment())
# Open311 is a public API for third-party apps, including browser-based ones.
cors = CORSConfig(
    allow_origin="*",
    max_age=600,
    allow_headers=["X-Request-Token", "Idempotency-Key", "Accept-Language", "X-API-Key"],
    expose_headers=["Link", "X-Next-Page-Token"],
)
# /open311/keyed/v2/... (the key in X-API-Key, metered by API Gateway) serves the routes of /open311/v2/...
app = RestApi(enable_validation=True, cors=cors, strip_prefixes=[re.compile(f"(?<=^/open311){KEYED_SEGMENT}(?=/)")])
install_error_handling(app, {PATHS: write_error})
app.include_router(build_router(context))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    budget.bind(lambda_context)
    return app.resolve(event, lambda_context)
