"""API Gateway's limits: the request body and integration timeout the local gateway holds to, and where moto's
API Gateway accepts what AWS refuses, for the calls that put keys in usage plans.

CreateUsagePlanKey names its plan in the path; AWS answers 404 NotFoundException ("Invalid Usage Plan ID
specified") for a plan that does not exist, where moto makes an empty one up and adds the key to it, so a key
issued for a mistyped plan would look metered and be refused by every request.
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateUsagePlanKey.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.apigateway.responses import APIGatewayResponse

from local_stack.moto_seams import check_method, replace_method

SEAM_SIGNATURE = ("self",)

# The gateway (gateway.py) holds requests to these.
API_GATEWAY_QUOTAS = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html"
)
API_GATEWAY_MAX_BODY = 10 * 1024 * 1024  # bytes (API_GATEWAY_QUOTAS: payload size 10 MB)
API_GATEWAY_INTEGRATION_TIMEOUT = 29.0  # seconds, the default (API_GATEWAY_QUOTAS)


def check_seams() -> None:
    check_method(APIGatewayResponse, "create_usage_plan_key", SEAM_SIGNATURE)


def install() -> Callable[[], None]:
    """Refuse a usage plan key for a plan that does not exist; returns the undo."""
    original = APIGatewayResponse.create_usage_plan_key

    def create_usage_plan_key(self: Any) -> Any:
        # The path is /usageplans/{usagePlanId}/keys; get_usage_plan raises moto's NotFoundException.
        self.backend.get_usage_plan(self.path.split("/")[2])
        return original(self)

    return replace_method(APIGatewayResponse, "create_usage_plan_key", SEAM_SIGNATURE, create_usage_plan_key)
