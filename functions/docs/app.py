"""API documentation function: /openapi.json and Swagger UI, with no CDN.

The document is generated from the models at build time (`make openapi`, checked by a unit test) and
shipped next to this module: generating it here would import every route and model of the API.
"""

import json
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.channels.docs import for_server, swagger_page
from civic311.channels.http import RestApi, install_error_handling, public_base_url
from civic311.logs import function_logger

DOCUMENT_FILE = Path(__file__).with_name("openapi.json")

logger = function_logger()
app = RestApi()
install_error_handling(app)
document: dict[str, Any] = json.loads(DOCUMENT_FILE.read_text(encoding="utf-8"))


def _document() -> dict[str, Any]:
    return for_server(document, public_base_url(app.current_event))


@app.get("/openapi.json", include_in_schema=False)
def openapi_json() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=json.dumps(_document()))


@app.get("/swagger", include_in_schema=False)
def swagger() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=swagger_page(_document()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, lambda_context)
