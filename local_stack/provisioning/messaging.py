"""Provisions SNS topics and subscriptions and SQS queues."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from local_stack.provisioning.records import Created

if TYPE_CHECKING:
    from local_stack.provisioning.provisioner import Provisioner


def topic(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    name = properties.get("TopicName") or provisioner.default_name(logical_id)
    attributes = {
        key: str(properties[key])
        for key in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication")
        if key in properties
    }
    arn = provisioner.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
    for subscription in properties.get("Subscription", []):
        provisioner.client("sns").subscribe(
            TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"]
        )
    return Created(ref=arn, attributes={"TopicArn": arn, "TopicName": name})


def subscription(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    attributes: dict[str, str] = {}
    for key in ("FilterPolicy", "RedrivePolicy"):
        if key in properties:
            attributes[key] = json.dumps(properties[key])
    for key in ("RawMessageDelivery", "FilterPolicyScope"):
        if key in properties:
            attributes[key] = str(properties[key]).lower() if key == "RawMessageDelivery" else properties[key]
    arn = provisioner.client("sns").subscribe(
        TopicArn=properties["TopicArn"],
        Protocol=properties["Protocol"],
        Endpoint=properties["Endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return Created(ref=arn)


def queue(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    name = properties.get("QueueName") or provisioner.default_name(logical_id)
    attributes: dict[str, str] = {}
    for key, value in properties.items():
        if key in ("QueueName", "Tags"):
            continue
        attributes[key] = (
            json.dumps(value)
            if isinstance(value, dict)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
        )
    sqs = provisioner.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Created(ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url})
