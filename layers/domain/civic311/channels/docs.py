"""Serving the API's documentation: the generated OpenAPI document for the caller's URL, and Swagger UI."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def for_server(document: dict[str, Any], server_url: str) -> dict[str, Any]:
    """The document as seen from one URL (stage prefix included): only `servers` depends on it."""
    return {**document, "servers": [{"url": server_url}]}


def swagger_page(document: dict[str, Any]) -> str:
    """Swagger UI for the document, with its script and stylesheet inline: no CDN, no validator badge."""
    folder = resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
    script = folder.joinpath("swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    style = folder.joinpath("swagger-ui.min.css").read_text(encoding="utf-8")
    # "</" inside a <script> would end it early; JSON allows the escaped form.
    spec = json.dumps(document).replace("</", "<\\/")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>civic311 API</title>"
        f"<style>{style}</style></head><body><div id='swagger-ui'></div><script>{script}</script>"
        "<script>SwaggerUIBundle({dom_id: '#swagger-ui', spec: " + spec + ", validatorUrl: null, "
        "deepLinking: true, presets: [SwaggerUIBundle.presets.apis]});</script></body></html>"
    )
