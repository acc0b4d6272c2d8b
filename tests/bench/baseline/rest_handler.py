"""The cold-start baseline: a bare powertools REST handler with one boto3 client, as a new function would start."""

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

logger = Logger()
dynamodb = boto3.client("dynamodb")
app = APIGatewayRestResolver()


@app.get("/ping")
def ping() -> dict[str, str]:
    return {"pong": "ok"}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
