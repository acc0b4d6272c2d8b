"""A simulated call: the line it reaches, what it went through, how it ended, and the error for an unplayable flow."""

from __future__ import annotations

from dataclasses import dataclass, field

from local_stack.template import ACCOUNT_ID, REGION

LINE_NUMBER = "+15205550111"  # the number the caller dialled (fictional)
INSTANCE_ARN = f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/00000000-0000-4000-8000-000000000311"


class SimulatorError(Exception):
    """The flow asked for something the simulator (and so this project's flow) does not support."""


@dataclass(frozen=True)
class Step:
    """One thing the call went through, in order: a flow action, a turn of the bot, or a Lambda invocation."""

    kind: str  # action | lex | invoke
    name: str  # the action's type, the intent the bot recognised, or the operation invoked ("code hook")
    detail: str = ""  # the action's identifier, the bot alias, or SYNCHRONOUS | ASYNCHRONOUS


@dataclass
class Ending:
    """How the call ended."""

    kind: str = "disconnect"  # disconnect | transfer | queue
    target: str | None = None
    request_id: str | None = None
    alerted: bool = False
    transcript: list[str] = field(default_factory=list)
    # What happened, in order: "transfer", and "alerted" when the 911 alert's invocation answered.
    timeline: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def describe(self) -> str:
        what = {"transfer": f"transferred to {self.target}", "queue": f"queued for {self.target}"}.get(
            self.kind, "disconnected"
        )
        extra = f", request {self.request_id}" if self.request_id else ""
        return what + extra + (", 911 alerted" if self.alerted else "")
