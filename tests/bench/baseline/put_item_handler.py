"""The warm baseline: a bare powertools REST handler whose POST does one put_item on the requests table."""

import os
import uuid
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

dynamodb = boto3.client("dynamodb")
table = os.environ["SERVICE_REQUESTS_TABLE"]
app = APIGatewayRestResolver()


@app.post("/open311/v2/requests.json")
def create() -> list[dict[str, str]]:
    request_id = uuid.uuid4().hex
    dynamodb.put_item(TableName=table, Item={"pk": {"S": f"BENCH#{request_id}"}, "sk": {"S": "REQ"}})
    return [{"service_request_id": request_id}]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
