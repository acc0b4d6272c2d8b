"""Finding the stack `make run` started, for the commands that work against it (make call, make directory-import).

Its outputs file says where it listens; a stack that stopped (or was killed) may have left the file behind, so
the stack must also answer there. Either way a command says so in one line instead of an SDK's traceback.

    python -m local_stack.running [--outputs FILE] [--print NAME ...]

exits 2 with that line when no stack answers; with --print it prints the named values (an entry of the outputs
file, or one of its Outputs), space-separated, for a shell to read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import requests

DEFAULT_OUTPUTS = Path(__file__).resolve().parent.parent / ".local" / "outputs.json"
PROBE_SECONDS = 3


class NoStackAnswers(Exception):
    """No local stack answers where the outputs file (or the default port) says."""

    def __init__(self, url: str, stale: Path | None = None) -> None:
        self.url = url
        self.stale = stale  # the outputs file a stopped stack left, if one did
        left = f" ({stale} is stale, left by a stack that has stopped)" if stale else ""
        super().__init__(f"no local stack answers at {url}: start it with `make run`{left}")


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=PROBE_SECONDS)
    except requests.RequestException:
        return False
    return True  # any HTTP answer: something listens there


def running_stack(outputs: Path = DEFAULT_OUTPUTS) -> dict[str, Any]:
    """What the running stack's outputs file holds; raises NoStackAnswers, saying what to do, when none runs."""
    if not outputs.exists():
        raise NoStackAnswers(f"http://127.0.0.1:{os.environ.get('PORT', '3000')}")
    try:
        info = json.loads(outputs.read_text(encoding="utf-8"))
        urls = [str(info["api_url"]), str(info["aws_endpoint"])]
    except (ValueError, KeyError, TypeError):
        raise NoStackAnswers(f"http://127.0.0.1:{os.environ.get('PORT', '3000')}", stale=outputs) from None
    for url in urls:
        if not _answers(url):
            raise NoStackAnswers(url, stale=outputs)
    return dict(info)


def value(info: dict[str, Any], name: str) -> str:
    """An entry of the outputs file (aws_endpoint, region...) or one of the stack's Outputs (DirectoryTableName)."""
    found = info.get(name, info.get("outputs", {}).get(name))
    if found is None:
        raise KeyError(f"the local stack's outputs have no {name}")
    return str(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.running", description=__doc__.split("\n\n")[0])
    parser.add_argument("--outputs", type=Path, default=DEFAULT_OUTPUTS)
    parser.add_argument("--print", nargs="*", default=[], metavar="NAME", dest="names")
    args = parser.parse_args(argv)
    try:
        info = running_stack(args.outputs)
        values = [value(info, name) for name in args.names]
    except (NoStackAnswers, KeyError) as error:
        print(str(error).strip("'\""), file=sys.stderr)
        return 2
    if values:
        print(" ".join(values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
