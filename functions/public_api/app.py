"""Public JSON API function (/v1/): one include per router."""

from typing import Any

from aws_lambda_powertools.event_handler import CORSConfig
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.channels.http import RestApi, install_error_handling
from civic311.channels.v1 import feedback, referrals, stats, supporters, triage
from civic311.channels.v1.public_wiring import PublicWiring
from civic311.logs import function_logger
from civic311.settings import PublicApiSettings

logger = function_logger()
wiring = PublicWiring(PublicApiSettings.from_environment())
# Residents' apps, including browser-based ones, call these routes.
app = RestApi(enable_validation=True, cors=CORSConfig(allow_origin="*", max_age=600))
install_error_handling(app)
app.include_router(referrals.build_router(wiring))
app.include_router(triage.build_router(wiring))
app.include_router(stats.build_router(wiring))
app.include_router(supporters.build_router(wiring))
app.include_router(feedback.build_router(wiring))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, lambda_context)
