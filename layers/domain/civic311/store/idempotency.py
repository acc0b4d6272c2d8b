"""Where intake's idempotency records live: powertools' DynamoDB persistence on our own client."""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from civic311 import aws


def persistence_layer(table_name: str) -> DynamoDBPersistenceLayer:
    """Records in this table, through a client that signs as the calling function's role and has our timeouts.

    powertools' own client would wait a minute on a DynamoDB that hangs.
    """
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=aws.dynamodb())
