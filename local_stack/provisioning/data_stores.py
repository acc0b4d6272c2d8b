"""Provisions where the stack keeps data: KMS keys, DynamoDB tables, S3 buckets, log groups and place indexes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from local_stack.location import PlaceIndex
from local_stack.provisioning.records import Created
from local_stack.template import REGION

if TYPE_CHECKING:
    from local_stack.provisioning.provisioner import Provisioner


def kms_key(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    kms = provisioner.client("kms")
    request = {"Description": properties.get("Description", logical_id)}
    for key in ("KeySpec", "KeyUsage"):
        if key in properties:
            request[key] = properties[key]
    if properties.get("KeyPolicy"):
        request["Policy"] = json.dumps(properties["KeyPolicy"])
    metadata = kms.create_key(**request)["KeyMetadata"]
    if properties.get("EnableKeyRotation"):
        kms.enable_key_rotation(KeyId=metadata["KeyId"])
    return Created(ref=metadata["KeyId"], attributes={"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})


def kms_alias(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    provisioner.client("kms").create_alias(AliasName=properties["AliasName"], TargetKeyId=properties["TargetKeyId"])
    return Created(ref=properties["AliasName"])


def table(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    name = properties.get("TableName") or provisioner.default_name(logical_id)
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    for key in (
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "ProvisionedThroughput",
        "Tags",
        "DeletionProtectionEnabled",
        "TableClass",
    ):
        if key in properties:
            request[key] = properties[key]
    for index in request.get("GlobalSecondaryIndexes", []):
        index.pop("ContributorInsightsSpecification", None)
    if "SSESpecification" in properties:
        sse = dict(properties["SSESpecification"])
        sse["Enabled"] = sse.pop("SSEEnabled", False)
        request["SSESpecification"] = sse
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    dynamodb = provisioner.client("dynamodb")
    description = dynamodb.create_table(**request)["TableDescription"]
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    recovery = properties.get("PointInTimeRecoverySpecification")
    if recovery:
        dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=recovery)
    attributes = {"Arn": description["TableArn"]}
    if description.get("LatestStreamArn"):
        attributes["StreamArn"] = description["LatestStreamArn"]
    return Created(ref=name, attributes=attributes)


def log_group(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    name = properties.get("LogGroupName") or f"/{provisioner.template.stack_name}/{logical_id}"
    logs = provisioner.client("logs")
    logs.create_log_group(logGroupName=name)
    if "RetentionInDays" in properties:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(properties["RetentionInDays"]))
    return Created(ref=name, attributes={"Arn": provisioner.arn("logs", f"log-group:{name}:*")})


def bucket(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    # S3 bucket names are lower case; CloudFormation lowers the generated ones too.
    name = str(properties.get("BucketName") or provisioner.default_name(logical_id).lower())
    s3 = provisioner.client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    if "VersioningConfiguration" in properties:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=properties["VersioningConfiguration"])
    if "BucketEncryption" in properties:
        # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
        renamed = {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"}
        rules = [
            {renamed.get(name, name): value for name, value in rule.items()}
            for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in properties:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
        )
    return Created(
        ref=name,
        attributes={
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
        },
    )


def place_index(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    name = properties.get("IndexName") or provisioner.default_name(logical_id)
    intended_use = properties.get("DataSourceConfiguration", {}).get("IntendedUse", "SingleUse")
    provisioner.place_indexes.register(PlaceIndex(name, properties["DataSource"], intended_use))
    arn = provisioner.arn("geo", f"place-index/{name}")
    created_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Created(
        ref=name,
        attributes={"Arn": arn, "IndexArn": arn, "CreateTime": created_at, "UpdateTime": created_at},
    )
