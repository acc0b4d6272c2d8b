"""Directory commands: validate a package, or validate it and load it as the new active version.

  python -m civic311.channels.directory_cli validate <folder>
  python -m civic311.channels.directory_cli import <folder> --table <name> [--endpoint-url URL] [--region REGION]

import runs the same code as the deploy-time custom resource. A refused package, or a load that fails
part-way, leaves the directory that was active in force.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from civic311 import aws
from civic311.cases.directory_loads import load_folder
from civic311.directory.flatten import iter_resources
from civic311.directory.issues import DirectoryValidationError
from civic311.directory.validation import load_package
from civic311.store.directory import DirectoryStore


def main(argv: Sequence[str] | None = None) -> int:
    """Run a directory command; exit status 1 when a package is refused or a load fails."""
    parser = argparse.ArgumentParser(
        prog="python -m civic311.channels.directory_cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a package folder and count what it holds")
    validate.add_argument("folder", type=Path)
    load = commands.add_parser("import", help="validate a package folder, then load it as the active directory")
    load.add_argument("folder", type=Path)
    load.add_argument("--table", required=True, help="the DirectoryTable's name (stack output DirectoryTableName)")
    load.add_argument("--endpoint-url", help="an AWS endpoint other than the default, e.g. the local stack's")
    load.add_argument("--region", help="AWS region (default: the SDK's configuration)")
    args = parser.parse_args(argv)

    if args.command == "validate":
        return _validate(args.folder)
    if args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    if args.region:
        os.environ["AWS_DEFAULT_REGION"] = args.region
    aws.reset()
    try:
        report = load_folder(args.folder, DirectoryStore(args.table))
    except DirectoryValidationError as error:
        for issue in error.issues:
            print(issue)
        print(
            f"refused: {len(error.issues)} problem(s); nothing was loaded and the active directory is unchanged",
            file=sys.stderr,
        )
        return 1
    except Exception as error:
        print(f"load failed ({type(error).__name__}: {error}); the active directory is unchanged", file=sys.stderr)
        return 1
    print(
        f"loaded {report.package} as version {report.version}: {report.resources} resources, "
        f"{report.lists} referral lists, {report.items} items; active now"
        + (f" (replacing {report.previous})" if report.previous else "")
    )
    if report.trimmed_lists:
        print(f"note: {report.trimmed_lists} referral lists were cut to their maximum length")
    if report.cleaned:
        print(f"removed old versions: {', '.join(report.cleaned)}")
    if report.sample_notice:
        print(f"NOTICE: {report.sample_notice}", file=sys.stderr)
    return 0


def _validate(folder: Path) -> int:
    try:
        package = load_package(folder)
    except DirectoryValidationError as error:
        for issue in error.issues:
            print(issue)
        print(f"refused: {len(error.issues)} problem(s)", file=sys.stderr)
        return 1
    resources = sum(1 for _ in iter_resources(package))
    print(f"OK: {len(package.organizations)} organizations, {package.service_count} services, {resources} resources")
    if package.manifest.sample:
        print(f"NOTICE: {package.manifest.notice}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
