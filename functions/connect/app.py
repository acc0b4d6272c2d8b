"""Amazon Connect function: the phone line's operations for the contact flow, and the caller bot's code hook.

Connect waits on this function while the caller hears silence, and a cold start counts: the module imports
the logger and the phone line's wiring, which imports each operation, and the domain it needs, on first use.
"""

import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311 import budget
from civic311.channels.phone import lex
from civic311.channels.phone.operations import answer
from civic311.channels.phone.wiring import PhoneWiring
from civic311.logs import function_logger

if TYPE_CHECKING:
    from civic311.settings import ConnectSettings

logger = function_logger()
# Settings are validated on first use (pydantic is a heavy import), from the environment as it
# was at start-up.
_environment = {name.lower(): value for name, value in os.environ.items()}


def _settings() -> "ConnectSettings":
    from civic311.settings import ConnectSettings

    return ConnectSettings.model_validate(_environment)


wiring = PhoneWiring(_settings)


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    budget.bind(lambda_context)
    if lex.is_lex_event(event):
        return lex.close_with_transcript(event)
    return dict(answer(event, wiring))
