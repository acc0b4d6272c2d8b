"""API documentation function: /openapi.json and Swagger UI, generated from the models, with no CDN."""

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.channels.http import RestApi, install_error_handling, public_base_url
from civic311.channels.openapi import openapi_document, swagger_page
from civic311.logs import function_logger

logger = function_logger()
app = RestApi()
install_error_handling(app)


def _document() -> dict[str, Any]:
    return openapi_document(server_url=public_base_url(app.current_event))


@app.get("/openapi.json", include_in_schema=False)
def openapi_json() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=json.dumps(_document()))


@app.get("/swagger", include_in_schema=False)
def swagger() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=swagger_page(_document()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, lambda_context)
