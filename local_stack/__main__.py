"""`make run`: start the local stack in the foreground; Ctrl-C or SIGTERM stops it cleanly."""

from __future__ import annotations

import argparse
import faulthandler
import os
import signal
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

from local_stack.activity import Activity, short_name, wants_colour
from local_stack.alarms import EVERY_SECONDS
from local_stack.custom_resources import CustomResourceFailed
from local_stack.function_logs import FunctionOutput, clear
from local_stack.stack import REPO_ROOT, LocalStack, StackConfig

# Moto tokens last an hour; refresh the demo staff token well before that.
TOKEN_REFRESH_SECONDS = 45 * 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "3000")),
        help="HTTP API port (default 3000, or $PORT; 0 picks a free one)",
    )
    parser.add_argument(
        "--aws-port",
        type=int,
        default=int(os.environ.get("AWS_PORT", "3001")),
        help="AWS endpoint port (default 3001, or $AWS_PORT; 0 picks a free one)",
    )
    parser.add_argument("--outputs", type=Path, default=REPO_ROOT / ".local" / "outputs.json")
    parser.add_argument("--no-demo-requests", action="store_true", help="start with no demo requests")
    parser.add_argument(
        "--logs",
        default=os.environ.get("LOGS") or "files",
        help="files: each function's JSON logs in <outputs folder>/logs/<function>.log, one line per call here "
        "(the default); stdout: the JSON logs here too (or $LOGS)",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a template parameter, as sam deploy --parameter-overrides does (repeatable)",
    )
    args = parser.parse_args(argv)

    overrides = dict(item.split("=", 1) for item in args.parameter if "=" in item)
    if len(overrides) != len(args.parameter):
        parser.error("--parameter takes NAME=VALUE")
    if args.logs not in ("files", "stdout"):
        parser.error(f"--logs (or LOGS) is files or stdout, not {args.logs!r}")
    terminal = sys.stdout
    config = StackConfig(
        port=args.port, aws_port=args.aws_port, seed_demo_requests=not args.no_demo_requests, parameters=overrides
    )
    activity = Activity(terminal, colour=wants_colour(terminal), stack_name=config.stack_name)
    logs = args.outputs.parent / "logs"
    function_output = FunctionOutput(terminal, logs) if args.logs == "files" else None
    if function_output is not None:
        sys.stdout = function_output  # before any function is imported: powertools keeps the stream it finds
    else:
        clear(logs)  # the last stack's files would pass for this one's
    try:
        return run(LocalStack(config, activity=activity), args.outputs, function_output)
    finally:
        sys.stdout = terminal
        if function_output is not None:
            function_output.close_files()


def run(stack: LocalStack, outputs: Path, function_output: FunctionOutput | None) -> int:
    stop = threading.Event()
    # `kill -USR1` prints every thread's stack into the log: how a stack that will not stop is examined.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        try:
            info = stack.start()
        except CustomResourceFailed as error:
            # CloudFormation would roll the stack back here; the local stack refuses to start, saying why.
            print(f"civic311 local stack did not start: {error}", file=sys.stderr, flush=True)
            return 1
        stack.write_outputs(outputs)
        logs = function_output.folder if function_output is not None else None
        print(summary(info, outputs, stack, logs), flush=True)
        if stack.activity is not None:
            stack.activity.ready()
        while not stop.wait(TOKEN_REFRESH_SECONDS):
            stack.info["staff_token"] = stack.staff_token()
            stack.write_outputs(outputs)
    finally:
        stack.stop()  # bounded: a part that overruns is reported on stderr with the threads' stacks
        print("civic311 local stack stopped.", flush=True)
    return 0


def summary(info: dict[str, Any], outputs_path: Path, stack: LocalStack, logs: Path | None = None) -> str:
    assert stack.provisioner is not None
    provisioner = stack.provisioner
    counts: dict[str, int] = {}
    # The template's resources after its transforms (the SAM transform's roles, permissions, stages among them).
    resources = provisioner.template.resources
    for logical_id in provisioner.created:
        kind = resources[logical_id]["Type"].split("::", 1)[-1]
        counts[kind] = counts.get(kind, 0) + 1
    created = ", ".join(f"{count}\0{kind}" for kind, count in sorted(counts.items(), key=lambda item: -item[1]))
    lines = [
        "civic311 local stack is running (state is in memory: it is gone when you stop it).",
        "",
        f"  HTTP API       {info['api_url']}",
        *([f"  Resident page  {info['web_url']}"] if info.get("web_url") else []),
        *(
            [f"  Staff console  {info['staff_url']}   (demo: staff_username, staff_password, staff_totp_secret)"]
            if info.get("staff_url")
            else []
        ),
        f"  Open311        {info['api_url']}/open311/v2/services.json",
        f"  API docs       {info['api_url']}/swagger   (OpenAPI: {info['api_url']}/openapi.json)",
        *(
            [f"  Dispatch API   {info['outputs']['DispatchApiUrl']}   (911 CADs: an answering point's key, README)"]
            if info.get("outputs", {}).get("DispatchApiUrl")
            else []
        ),
        f"  AWS endpoint   {info['aws_endpoint']}   region {info['region']}",
        f"  Outputs        {outputs_path}",
        *([f"  Function logs  {logs}/<function>.log   (LOGS=stdout make run shows them here)"] if logs else []),
        "",
        # Wrapped between resources, never inside one ("4 DynamoDB::Table").
        *(line.replace("\0", " ") for line in textwrap.wrap(f"Created from template.yaml: {created}.", width=116)),
    ]
    if provisioner.schedules:
        lines += [
            "Schedules run locally:",
            *(f"       {s.function_name} every {s.every_seconds} s" for s in provisioner.schedules),
        ]
    if stack.alarms is not None:
        names, unevaluable = stack.alarms.alarm_names, stack.alarms.unevaluable
        lines.append(f"Alarms evaluated every {EVERY_SECONDS} s: {len(names) - len(unevaluable)} of {len(names)}.")
        if unevaluable:
            lines += [
                "ALARMS NOT EVALUATED LOCALLY (they never change state here):",
                *(f"       {short_name(name, stack.config.stack_name)}: {why}" for name, why in unevaluable.items()),
            ]
    if provisioner.skipped:
        lines += [
            "Declared but not emulated locally:",
            *(f"       {name} ({kind})" for name, kind in sorted(provisioner.skipped.items())),
        ]
    lines += [
        "",
        "Try:",
        f"  curl -s {info['api_url']}/open311/v2/services.json",
        f"  curl -s -X POST {info['api_url']}/open311/v2/requests.json \\",
        f"       -d api_key={info['open311_api_key']} -d service_code=pothole -d lat=32.2216 -d long=-110.9262 \\",
        "       -d 'description=Pothole in the bike lane'",
        f"  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url {info['aws_endpoint']} "
        f"--region {info['region']} dynamodb list-tables",
    ]
    for index_name in stack.place_indexes.names():
        # Place-index searches are answered from the offline Tucson gazetteer (local_stack/location.py).
        lines += [
            "  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DISABLE_HOST_PREFIX_INJECTION=true \\",
            f"       aws --endpoint-url {info['aws_endpoint']} --region {info['region']} location \\",
            f"       search-place-index-for-text --index-name {index_name} --text 'Speedway and Campbell'",
        ]
    lines += [
        "",
        "The demo Open311 api_key and a staff bearer token are in the outputs file. Ctrl-C stops.",
        "Each API call, workflow step and message published shows below as it happens.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    code = main()
    # Everything is stopped and written. The process holds the whole emulated AWS as small objects, and the
    # interpreter's last garbage collection over them took 5 s on a quiet machine and past 20 s on a loaded one;
    # nothing remains to clean up, so the process ends here, as a killed one would, without that collection.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
