"""The best place for a caller's need, as words to read them, and its number if the flow can connect them."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from civic311 import clock
from civic311.cases.referrals import refer
from civic311.channels.phone import speech
from civic311.channels.phone.call import PhoneContext, e164
from civic311.channels.phone.household import SpokenHousehold
from civic311.channels.phone.speech import Language, say
from civic311.directory.household import Household
from civic311.directory.referral_models import ReferralQuery
from civic311.errors import Civic311Error
from civic311.store.failures import AwsError

logger = Logger(child=True)


def spoken_referral(
    context: PhoneContext,
    code: str,
    point: tuple[float, float],
    language: Language,
    who: SpokenHousehold | None = None,
) -> tuple[str, str | None]:
    """The best place for the need (that takes the whole household), as words, and its number if it can be dialled."""
    household = None
    if who is not None:
        household = Household(adults=who.adults, children=who.children, children_ages=list(who.children_ages))
    query = ReferralQuery(
        service_code=code,
        lat=point[0],
        long=point[1],
        language=language,
        age=who.age if who else None,
        household=household,
    )
    try:
        # The workflow attaches referrals to the request and records unmet needs; this is only what to say.
        found = refer(query, context.directory)
    except (Civic311Error, *AwsError) as error:
        logger.warning("referral for the caller failed", extra={"error_type": type(error).__name__})
        return say(language, "no_referral"), None
    if not found.referrals:
        return say(language, "no_referral"), None
    best = found.referrals[0]
    if best.open_now:
        when = say(language, "open_now")
    elif best.opens_at:
        day, time = speech.day_and_time(clock.parse_client_datetime(best.opens_at), language)
        when = say(language, "opens", day=day, time=time)
    else:
        when = ""
    words = say(
        language,
        "referral",
        organization=speech.text(best.organization),
        name=speech.text(best.name),
        when=when,
        hours=speech.hours(best.hours, language),
    )
    phone = e164(best.phone)
    if phone:
        words += " " + say(language, "referral_phone", phone=speech.phone_number(phone))
    return words, phone
