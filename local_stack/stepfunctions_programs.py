"""Step Functions on the embedded endpoint: parse each state machine definition once, not once per execution.

moto's interpreter parses the definition with an ANTLR grammar at the start of every execution, which
costs more CPU than the execution's own work (about a tenth of a second for the call workflow). The parsed
program keeps each run's state in that run's environment, so one parse can serve every execution; programs
with Map or Parallel states keep some run state on the program itself, so those are still parsed per run.

moto is pinned, and tests/local_stack/test_local_moto_seams.py fails if an upgrade moves the method replaced here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from local_stack.moto_seams import check_method, replace_method

SEAM_SIGNATURE = ("self",)
_RUN_STATE_ON_PROGRAM = frozenset({"Map", "Parallel"})

_programs: dict[str, Any] = {}
_lock = threading.Lock()


def check_seam() -> None:
    """Fail loudly if moto's ExecutionWorker no longer parses the definition where this module expects."""
    check_method(ExecutionWorker, "_get_evaluation_entrypoint", SEAM_SIGNATURE)


def shareable(definition: str) -> bool:
    """Whether one parsed program can serve every execution of this definition."""

    def types(node: Any) -> set[str]:
        if isinstance(node, dict):
            found = {node["Type"]} if isinstance(node.get("Type"), str) else set()
            return found.union(*(types(value) for value in node.values()))
        if isinstance(node, list):
            return set().union(*(types(value) for value in node))
        return set()

    try:
        return not types(json.loads(definition)) & _RUN_STATE_ON_PROGRAM
    except ValueError:
        return False


def program_for(definition: str) -> Any:
    """The parsed program for a definition: parsed on first use, or per run where it must be."""
    with _lock:
        if definition not in _programs:
            _programs[definition] = AmazonStateLanguageParser.parse(definition)[0] if shareable(definition) else None
        program = _programs[definition]
    return program if program is not None else AmazonStateLanguageParser.parse(definition)[0]


def install() -> Callable[[], None]:
    """Replace moto's per-execution parse; returns a function that puts moto's own back."""

    def entrypoint(self: ExecutionWorker) -> Any:
        return program_for(self._evaluation_details.state_machine_details.definition)

    return replace_method(ExecutionWorker, "_get_evaluation_entrypoint", SEAM_SIGNATURE, entrypoint)
