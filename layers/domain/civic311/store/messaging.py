"""SNS: messages to the topics (departments, supervisors, residents' e-mail, 911 dispatch, on-call) and texts.

Topic messages carry their attributes as strings, for subscription filters. The alert client of aws.py (one
attempt, short timeouts) is for the 911 path and pages, whose callers retry within their own time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from civic311 import aws

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

# The longest one alert-path attempt can take (the alert client's connect and read timeouts).
ALERT_ATTEMPT_SECONDS = aws.ALERT_CONNECT_SECONDS + aws.ALERT_READ_SECONDS
# SNS's longest SMS message (split into parts on the way); a longer text is cut there.
MAX_TEXT = 1600


def _publish(
    client: SNSClient,
    topic_arn: str,
    message: str,
    subject: str | None,
    attributes: Mapping[str, str],
    structure: Mapping[str, str] | None = None,
) -> str:
    request: dict[str, Any] = {"TopicArn": topic_arn, "Message": message}
    if structure is not None:
        # One message per protocol: `default` for queues and HTTP, the others (e.g. `sms`) by their name.
        request = {
            "TopicArn": topic_arn,
            "Message": json.dumps({"default": message, **structure}),
            "MessageStructure": "json",
        }
    if subject is not None:
        request["Subject"] = subject
    if attributes:
        request["MessageAttributes"] = {
            key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()
        }
    return str(client.publish(**request)["MessageId"])


def publish(topic_arn: str, message: str, *, subject: str | None = None, attributes: Mapping[str, str] = {}) -> str:
    """Publish to a topic; the message id."""
    return _publish(aws.sns(), topic_arn, message, subject, attributes)


def publish_alert(
    topic_arn: str,
    message: str,
    *,
    subject: str | None = None,
    attributes: Mapping[str, str] = {},
    per_protocol: Mapping[str, str] | None = None,
) -> str:
    """Publish once, with the alert path's short timeouts and no SDK retry; the message id.

    per_protocol: messages for protocols that get their own (e.g. {"sms": short text}); `message` is the default.
    """
    return _publish(aws.alert_sns(), topic_arn, message, subject, attributes, per_protocol)


def opted_out(phone: str) -> bool:
    """Whether the number replied STOP to our texts (SNS keeps that list)."""
    return bool(aws.sns().check_if_phone_number_is_opted_out(phoneNumber=phone)["isOptedOut"])


def text(phone: str, message: str) -> None:
    """Send an SMS to one number."""
    aws.sns().publish(PhoneNumber=phone, Message=message[:MAX_TEXT])
