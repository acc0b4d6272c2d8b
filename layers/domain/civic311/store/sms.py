"""Which numbers may be texted: the country allow-list, one-time confirmation codes and opt-outs.

A number given with notify=true is texted updates only once its owner has typed back the code we texted it;
until then the wish is stored and nothing else is sent. Only numbers in the allowed country codes are ever
texted (SMS pumping lives on premium international ranges). A number that replied STOP (SNS's opt-out list) or
opted out through the API is recorded here and never texted again.

Opting out through the API needs proof that the number is the asker's (else anyone could silence a stranger's
updates): the code texted to it, or the tracking secret of a request made with it. A STOP reply needs none.

Items live in the service-requests table, keyed by the caller key (a KMS HMAC of the number, store/callers.py),
so the table never holds a number in the clear:
  pk = SMS#<caller key>, sk = SMS   code_digest, code_sent_at (epoch s), attempts, confirmed, opted_out
  pk = REQ#<id>, sk = CONTACT       sms_key (the caller key of the number the request texts), texts_stopped
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from civic311 import aws, clock
from civic311.errors import InvalidInput, NotFound, TooManyRequests
from civic311.store.callers import CallerKeys
from civic311.store.dynamo import from_item, to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

SK = "SMS"
# One code per number per day: the code text is the only message an unconfirmed number can ever receive.
CODE_INTERVAL_SECONDS = 24 * 3600
CODE_ATTEMPTS = 5


class CountryCodes:
    """The E.164 country codes texts may go to (template parameter SmsCountryCodes)."""

    def __init__(self, codes: str) -> None:
        self.codes = tuple(code.strip() for code in codes.split(",") if code.strip())

    def allow(self, phone: str) -> bool:
        # Country codes are prefix-free, so a prefix match is exact.
        return any(phone.startswith(code) for code in self.codes)

    def check(self, phone: str | None, notify: bool) -> None:
        """InvalidInput when text updates are asked for a number outside the allowed countries."""
        if notify and phone and not self.allow(phone):
            raise InvalidInput(
                f"phone: text updates can only go to numbers in {', '.join(self.codes)}; "
                "leave notify off or give an email address instead"
            )


@dataclass(frozen=True)
class NumberState:
    confirmed: bool
    opted_out: bool
    code_sent_at: int | None


def _digest(key: str, code: str) -> str:
    return hashlib.sha256(f"{key}:{code}".encode()).hexdigest()


class SmsNumbers:
    """Confirmation and opt-out records of the numbers residents gave for text updates."""

    def __init__(self, table_name: str, caller_keys: CallerKeys, clock_now: Callable[[], datetime] = clock.now) -> None:
        self.table_name = table_name
        self.caller_keys = caller_keys
        self.clock_now = clock_now

    def _key(self, phone: str) -> dict[str, AttributeValueTypeDef]:
        return {"pk": to_value(f"SMS#{self.caller_keys.key_for(phone)}"), "sk": to_value(SK)}

    def state(self, phone: str) -> NumberState:
        item = aws.dynamodb().get_item(TableName=self.table_name, Key=self._key(phone), ConsistentRead=True).get("Item")
        found = from_item(item) if item else {}
        return NumberState(
            confirmed=bool(found.get("confirmed")),
            opted_out=bool(found.get("opted_out")),
            code_sent_at=found.get("code_sent_at"),
        )

    def new_code(self, phone: str) -> str | None:
        """A fresh code to text, recorded as sent; None if one went to this number within the last day."""
        now = int(self.clock_now().timestamp())
        code = f"{secrets.randbelow(1_000_000):06d}"
        try:
            aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=self._key(phone),
                UpdateExpression="SET code_digest = :digest, code_sent_at = :now, attempts = :zero",
                ConditionExpression=(
                    "(attribute_not_exists(code_sent_at) OR code_sent_at < :due) "
                    "AND NOT confirmed = :yes AND NOT opted_out = :yes"
                ),
                ExpressionAttributeValues={
                    ":digest": to_value(_digest(self.caller_keys.key_for(phone), code)),
                    ":now": to_value(now),
                    ":due": to_value(now - CODE_INTERVAL_SECONDS),
                    ":zero": to_value(0),
                    ":yes": to_value(True),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return code

    def confirm(self, phone: str, code: str) -> None:
        """Mark the number confirmed if the code is the one texted to it; InvalidInput otherwise."""
        key = self._check_code(phone, code, "a new one is sent with the next update")
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=key,
            UpdateExpression="SET confirmed = :yes REMOVE code_digest",
            ExpressionAttributeValues={":yes": to_value(True)},
        )

    def opt_out_with_code(self, phone: str, code: str) -> None:
        """Opt the number out if the code is the one texted to it (the proof the number is the asker's)."""
        self._check_code(phone, code, "reply STOP to our text instead")
        self.opt_out(phone)

    def _check_code(self, phone: str, code: str, otherwise: str) -> dict[str, AttributeValueTypeDef]:
        """The number's item key if `code` is the one texted to it; each try counts, five at most a day."""
        now = int(self.clock_now().timestamp())
        key = self._key(phone)
        try:
            aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=key,
                UpdateExpression="ADD attempts :one",
                ConditionExpression="code_sent_at > :expired AND attempts < :most",
                ExpressionAttributeValues={
                    ":one": to_value(1),
                    ":expired": to_value(now - CODE_INTERVAL_SECONDS),
                    ":most": to_value(CODE_ATTEMPTS),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise TooManyRequests(
                f"no code is waiting for this number, or too many wrong codes; {otherwise}",
                retry_after=CODE_INTERVAL_SECONDS,
            ) from None
        item = from_item(aws.dynamodb().get_item(TableName=self.table_name, Key=key, ConsistentRead=True)["Item"])
        expected = str(item.get("code_digest", ""))
        if not hmac.compare_digest(expected, _digest(self.caller_keys.key_for(phone), code.strip())):
            raise InvalidInput("code: this is not the code we texted to that number")
        return key

    def opt_out(self, phone: str) -> None:
        """Never text this number again (a STOP reply, or the resident asking through the API with proof)."""
        self._opt_out_key(self._key(phone))

    def _opt_out_key(self, key: dict[str, AttributeValueTypeDef]) -> None:
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=key,
            UpdateExpression="SET opted_out = :yes, confirmed = :no REMOVE code_digest",
            ExpressionAttributeValues={":yes": to_value(True), ":no": to_value(False)},
        )

    def stop_request(self, request_id: str) -> None:
        """Stop every text to the number given with a request (its owner proved it with the tracking secret).

        Its number is opted out at once if the request has texted it (`texted_for` noted which); if not, the
        request is marked and the workflow opts the number out before it would text it.
        """
        try:
            answer = aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=_contact_key(request_id),
                UpdateExpression="SET texts_stopped = :yes",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":yes": to_value(True)},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise NotFound(f"service request {request_id} keeps no contact details: nothing is texted for it") from None
        sms_key = from_item(answer["Attributes"]).get("sms_key")
        if sms_key:
            self._opt_out_key({"pk": to_value(f"SMS#{sms_key}"), "sk": to_value(SK)})

    def texted_for(self, request_id: str, phone: str) -> bool:
        """Note that the request texts this number (so its owner can stop it); False if they already stopped it."""
        try:
            answer = aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=_contact_key(request_id),
                UpdateExpression="SET sms_key = :key",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":key": to_value(self.caller_keys.key_for(phone))},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return True  # No contact item to note it on (expired meanwhile): nothing was stopped through it.
        return not from_item(answer["Attributes"]).get("texts_stopped")


def _contact_key(request_id: str) -> dict[str, AttributeValueTypeDef]:
    # The request's contact item (store/request_items.py), which lives and expires with the contact details.
    return {"pk": to_value(f"REQ#{request_id}"), "sk": to_value("CONTACT")}
