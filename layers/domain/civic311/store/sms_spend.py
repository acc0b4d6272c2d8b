"""The account's SMS spend limit, set by Custom::SmsSpendLimit on every Create and Update, left in place on Delete.

MonthlySpendLimit is an account-wide SMS setting of the region. The stack sets it so that each deploy states what
residents' texts may cost a month, and SMS pumping (texts to premium numbers someone else profits from) cannot run
up an unbounded bill. Every stack in the account and region shares the one value: the last deploy's wins.

Delete leaves the limit as it is: SNS has no way to unset it (its default is the account's whole quota), and
raising it back would lift a cost guard the account's other users of SMS may count on.

SNS refuses a limit above the account's SMS spending quota (USD 1 a month on a new account) until an SNS
limit increase case raises the quota; the deploy then fails and says so.

DefaultSMSType is set to Transactional with it: residents' codes and updates are transactional, and SNS sends those
on its more reliable routes (moto refuses the per-message AWS.SNS.SMS.SMSType attribute, so it is set here).
"""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.errors import InvalidInput

ATTRIBUTE = "MonthlySpendLimit"
SMS_TYPE = {"DefaultSMSType": "Transactional"}
# Whole US dollars, as the template parameter SmsMonthlySpendLimit allows.
_WHOLE_DOLLARS = re.compile(r"[1-9][0-9]{0,6}")


def set_spend_limit(wanted: str) -> None:
    """Set MonthlySpendLimit (whole US dollars) and read it back; InvalidInput when SNS or we refuse the value."""
    wanted = wanted.strip()
    if not _WHOLE_DOLLARS.fullmatch(wanted):
        raise InvalidInput(f"Custom::SmsSpendLimit needs {ATTRIBUTE} in whole US dollars, 1 or more; got {wanted!r}")
    sns = aws.sns()
    try:
        sns.set_sms_attributes(attributes={ATTRIBUTE: wanted} | SMS_TYPE)
    except ClientError as error:
        if error.response["Error"]["Code"] != "InvalidParameter":
            raise
        raise InvalidInput(
            f"SNS refused {ATTRIBUTE}={wanted} ({error.response['Error'].get('Message', '')}): a limit above the "
            "account's SMS spending quota needs an SNS limit increase case first (a new account's quota is USD 1)"
        ) from error
    found = sns.get_sms_attributes()["attributes"]
    for name, value in ({ATTRIBUTE: wanted} | SMS_TYPE).items():
        if found.get(name) != value:
            raise RuntimeError(f"SNS reports {name}={found.get(name)!r} after it was set to {value}")
