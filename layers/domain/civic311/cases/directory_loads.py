"""Loading a directory package into DynamoDB: a complete new version first, then one conditional flip.

Readers follow the active-version pointer, so until the flip they keep answering from the old version,
and a load that fails or is refused leaves it in force. Superseded versions stay readable for a grace
period (readers cache the pointer) and are deleted by a later load.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from aws_lambda_powertools import Logger

from civic311 import clock
from civic311.directory.flatten import iter_resources
from civic311.directory.index import build_index
from civic311.directory.package import DirectoryPackage
from civic311.directory.validation import load_package
from civic311.store.directory import DirectoryStore
from civic311.store.directory_items import ActiveDirectory, CodeLayout
from civic311.store.directory_versions import stale_versions

logger = Logger(child=True)

# Longer than any reader caches the pointer, and than a referral takes.
GRACE = timedelta(minutes=15)
# A load still "loading" after this long has died (a Lambda runs 15 minutes at most).
ABANDONED_AFTER = timedelta(hours=1)
# Stop writing while there is still time to answer CloudFormation.
SAFETY_MARGIN_SECONDS = 20.0


class LoadAborted(Exception):
    """The load stopped before flipping (e.g. running out of time); the previous version stays active."""


@dataclass(frozen=True)
class LoadReport:
    """What a load did."""

    version: str
    package: str
    resources: int
    lists: int
    items: int
    trimmed_lists: int
    capacity_seeded: int
    previous: str | None
    sample_notice: str | None
    cleaned: list[str] = field(default_factory=list)


def new_version_id() -> str:
    """Sortable and unique: UTC time of the load plus a random suffix."""
    return clock.now().strftime("%Y%m%dT%H%M%S.%fZ") + "-" + secrets.token_hex(3)


def load_directory(
    package: DirectoryPackage, store: DirectoryStore, *, time_left: Callable[[], float] | None = None
) -> LoadReport:
    """Write the package as a new version and make it active; on any failure the old version stays active."""
    resources = list(iter_resources(package))
    name = package.manifest.name
    notice = package.manifest.notice if package.manifest.sample else None

    def check_time() -> None:
        if time_left is not None and time_left() < SAFETY_MARGIN_SECONDS:
            raise LoadAborted("stopped before the time limit; the previous directory stays active")

    previous = store.current_pointer()
    version = new_version_id()
    store.begin_version(version, name, clock.now())
    try:
        index = build_index(resources)
        items = store.write_version(version, package, index, resources, check_time)
        seeded = store.seed_capacity(r for r in resources if r.status == "active")
        store.complete_version(version, items)
        check_time()
        pointer = ActiveDirectory(
            version=version,
            codes={
                code: CodeLayout(mode=code_index.mode, resolution=code_index.resolution)
                for code, code_index in index.codes.items()
            },
            package=name,
            sample_notice=notice,
            resources=len(resources),
            activated_at=clock.now(),
        )
        store.activate(pointer, previous.version if previous else None, clock.now())
    except BaseException as error:
        _mark_failed(store, version, error)
        raise
    report = LoadReport(
        version=version,
        package=name,
        resources=len(resources),
        lists=sum(len(code_index.lists) for code_index in index.codes.values()),
        items=items,
        trimmed_lists=index.trimmed_lists,
        capacity_seeded=seeded,
        previous=previous.version if previous else None,
        sample_notice=notice,
        cleaned=clean_up(store, version),
    )
    logger.info("directory loaded", extra={"version": version, "resources": report.resources, "items": items})
    return report


def load_folder(
    folder: str | Path, store: DirectoryStore, *, time_left: Callable[[], float] | None = None
) -> LoadReport:
    """Validate a package folder (DirectoryValidationError lists every problem), then load it."""
    return load_directory(load_package(folder), store, time_left=time_left)


def clean_up(store: DirectoryStore, active: str) -> list[str]:
    """Delete versions past their grace period; a failure here never fails the load that triggered it."""
    cleaned = []
    try:
        for version in stale_versions(store.versions(), active, clock.now(), GRACE, ABANDONED_AFTER):
            store.delete_version(version)
            cleaned.append(version)
    except Exception:
        logger.exception("clean-up of old directory versions failed; the next load retries it")
    return cleaned


def _mark_failed(store: DirectoryStore, version: str, error: BaseException) -> None:
    try:
        store.fail_version(version, f"{type(error).__name__}: {error}")
    except Exception:
        logger.exception("could not mark directory version failed", extra={"version": version})
