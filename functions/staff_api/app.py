"""Staff JSON API function (/v1/, behind the Cognito authorizer; /dispatch/v1/, CADs' keys): one include per router."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311 import budget
from civic311.channels.http import RestApi, install_error_handling
from civic311.channels.v1 import cad, escalations, gaps, provider_referrals, requests, reviews, shelters
from civic311.channels.v1.staff_wiring import StaffWiring
from civic311.logs import function_logger
from civic311.settings import StaffApiSettings

logger = function_logger()
wiring = StaffWiring(StaffApiSettings.from_environment())
app = RestApi(enable_validation=True)
install_error_handling(app)
for routes in (shelters, gaps, escalations, requests, reviews, provider_referrals, cad):
    app.include_router(routes.build_router(wiring))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    budget.bind(lambda_context)
    return app.resolve(event, lambda_context)
