"""Amazon Connect function: the phone line's operations for the contact flow, and the caller bot's code hook.

Connect waits on this function while the caller hears silence, and a cold start counts: the module
imports only the logger; each operation imports the domain it needs when it first runs.
"""

import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from civic311.logs import function_logger

if TYPE_CHECKING:
    from civic311.channels.phone.operations import PhoneContext
    from civic311.settings import ConnectSettings

logger = function_logger()
# Settings are validated on first use (pydantic is a heavy import), from the environment as it
# was at start-up.
_environment = {name.lower(): value for name, value in os.environ.items()}
_context: "PhoneContext | None" = None


def _settings() -> "ConnectSettings":
    from civic311.settings import ConnectSettings

    return ConnectSettings.model_validate(_environment)


@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    global _context
    from civic311 import budget
    from civic311.channels.phone import lex

    budget.bind(lambda_context)

    if lex.is_lex_event(event):
        return lex.close_with_transcript(event)
    from civic311.channels.phone.operations import PhoneContext, answer

    if _context is None:
        _context = PhoneContext(_settings)
    return dict(answer(event, _context))
