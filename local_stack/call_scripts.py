"""`make call`: play a call to the 311 line in the terminal, against the running local stack.

It interprets the contact flow from template.yaml itself, action by action, the way Amazon Connect
would: it says the prompts, takes what the caller says or presses (typed, or from a script), invokes
ConnectFunction on the local stack with Connect's ContactFlowEvent, plays the caller bot from the
template's Lex definition (its code hook runs on the local stack too), checks hours with --at, and
reports how the call ended. An action type or parameter it does not know stops it: the flow cannot
use something Connect does not have.

Script files hold one caller turn per line: keys ("1", "9") or words. "(silence)" is a caller who says
nothing. Headers in comments: `# from: +15205550142` (or `new`: a number no call used yet), `# at:
2026-12-01T10:00`, `# first-call: other.call` (played first, by the same caller), and any number of
`# expect:` lines: `transfer +15205550190`, `queue`, `disconnect`, `request`, `no-request`,
`said <words>`, `alert`.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from botocore.exceptions import EndpointConnectionError

from local_stack.call_outcome import Ending, SimulatorError
from local_stack.call_simulator import REPO_ROOT, SILENCE, CallSimulator, LocalStackView
from local_stack.connect_flow_spec import FlowError
from local_stack.running import NoStackAnswers, running_stack

DEFAULT_OUTPUTS = REPO_ROOT / ".local" / "outputs.json"


class ScriptError(Exception):
    """The script and the call went different ways (it ran out of turns, or had turns left over)."""


@dataclass
class Script:
    turns: list[str]
    caller: str | None = None
    at: str | None = None
    expect: list[str] = field(default_factory=list)
    first_call: Path | None = None


def read_script(path: Path) -> Script:
    """A call script: turns, plus the headers in its comments."""
    script = Script(turns=[])
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            header = re.match(r"#\s*([a-z-]+):\s*(.+)$", line)
            if header:
                name, value = header.group(1), header.group(2).strip()
                if name == "from":
                    script.caller = value
                elif name == "at":
                    script.at = value
                elif name == "expect":
                    script.expect.append(value)
                elif name == "first-call":
                    script.first_call = path.parent / value
            continue
        turn = line.split("  #", 1)[0].strip()
        if turn:
            script.turns.append(turn)
    return script


def scripted_turns(turns: list[str]) -> tuple[Callable[[str], str | None], Callable[[], list[str]]]:
    """Turns read from a script; asking past its end is a ScriptError."""
    remaining: Iterator[str] = iter(turns)
    left: list[str] = list(turns)

    def next_turn(listening_for: str) -> str | None:
        try:
            turn = next(remaining)
        except StopIteration:
            raise ScriptError(f"the script ran out of turns while the flow waited for {listening_for}") from None
        left.pop(0)
        print(f"caller> {turn}", flush=True)
        return None if turn == SILENCE else turn

    return next_turn, lambda: left


def typed_turn(listening_for: str) -> str | None:
    try:
        turn = input(f"caller ({listening_for}; Enter for silence)> ").strip()
    except EOFError:
        raise ScriptError("the caller hung up") from None
    return turn or None


def check_expectations(ending: Ending, expectations: list[str]) -> list[str]:
    """Which `# expect:` lines the call did not meet."""
    heard = " ".join(line for line in ending.transcript if line.startswith("311:"))
    unmet = []
    for expectation in expectations:
        word, _, rest = expectation.partition(" ")
        rest = rest.strip()
        met = {
            "transfer": ending.kind == "transfer" and (not rest or ending.target == rest),
            "queue": ending.kind == "queue" and (not rest or ending.target == rest),
            "disconnect": ending.kind == "disconnect",
            "request": ending.request_id is not None,
            "no-request": ending.request_id is None,
            "alert": ending.alerted,
            "said": bool(rest) and rest.lower() in heard.lower(),
        }.get(word)
        if met is None:
            unmet.append(f"unknown expectation {expectation!r}")
        elif not met:
            unmet.append(expectation)
    return unmet


def new_caller() -> str:
    """A number no earlier call used, so a script plays the same on a stack that has taken calls already."""
    return f"+1520555{secrets.randbelow(10_000):04d}"


def caller_for(script: Script, given: str | None) -> str:
    if given:
        return given
    if script.caller in (None, "new"):
        return new_caller()
    return script.caller


def play(stack: LocalStackView, script: Script, caller: str, at: datetime, out: TextIO) -> Ending:
    """Play a scripted call (and the call it says comes first); ScriptError if they part ways."""
    if script.first_call is not None:
        first = read_script(script.first_call)
        print(f"--- first: {script.first_call.name}", file=out, flush=True)
        play(stack, first, caller, at, out)
        print("--- then:", file=out, flush=True)
    turns, left = scripted_turns(script.turns)
    ending = CallSimulator(stack, caller, at, turns, out).run()
    if left():
        raise ScriptError(f"the call ended with script turns left over: {left()}")
    return ending


def parse_at(value: str | None) -> datetime:
    """--at: an ISO date-time; no offset means Tucson time. Default: now."""
    if not value:
        return datetime.now(ZoneInfo("America/Phoenix"))
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("America/Phoenix"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.call_scripts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--outputs", type=Path, default=DEFAULT_OUTPUTS, help="the running stack's outputs.json")
    parser.add_argument("--script", type=Path, help="play this call script instead of asking for each turn")
    parser.add_argument("--from", dest="caller", help="the caller's number (E.164); default the script's, or a new one")
    parser.add_argument("--at", help="the moment of the call, for the hours check (default now, Tucson time)")
    args = parser.parse_args(argv)
    try:
        running_stack(args.outputs)
    except NoStackAnswers as error:
        print(error, file=sys.stderr)
        return 2
    stack = LocalStackView.from_outputs(args.outputs)
    try:
        if args.script:
            script = read_script(args.script)
            caller = caller_for(script, args.caller)
            ending = play(stack, script, caller, parse_at(args.at or script.at), sys.stdout)
            expectations = script.expect
        else:
            caller = args.caller or new_caller()
            ending = CallSimulator(stack, caller, parse_at(args.at), typed_turn).run()
            expectations = []
    except FlowError as error:
        print(str(error), file=sys.stderr)
        return 3
    except SimulatorError as error:
        print(f"the simulator stopped: {error}", file=sys.stderr)
        return 3
    except ScriptError as error:
        print(f"the script and the call parted ways: {error}", file=sys.stderr)
        return 2
    except EndpointConnectionError:
        endpoint = stack.info["aws_endpoint"]
        print(f"the local stack at {endpoint} stopped answering: start it with `make run`", file=sys.stderr)
        return 2
    print(f"ending: {ending.describe()}", flush=True)
    unmet = check_expectations(ending, expectations)
    for expectation in unmet:
        print(f"expected, not met: {expectation}", file=sys.stderr)
    return 1 if unmet else 0


if __name__ == "__main__":
    sys.exit(main())
