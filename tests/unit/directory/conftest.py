"""Fixtures for the directory tests: the sample package, and editable copies of it to break."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from civic311.directory.package import DirectoryPackage
from civic311.directory.validation import load_package

SAMPLE = Path(__file__).resolve().parents[3] / "layers/domain/civic311/directory/data/tucson-sample"

Editor = Callable[[str, Callable[[Any], None]], None]


@pytest.fixture(scope="session")
def sample() -> DirectoryPackage:
    return load_package(SAMPLE)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of the sample package that a test may break."""
    target = tmp_path / "package"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture
def edit(copy: Path) -> Editor:
    """Edit one JSON file of the copy in place: edit("organizations/x.json", lambda doc: ...)."""

    def apply(relative: str, change: Callable[[Any], None]) -> None:
        path = copy / relative
        doc = json.loads(path.read_text(encoding="utf-8"))
        change(doc)
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")

    return apply


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def sample_json() -> Callable[[str], Any]:
    """Read one JSON file of the sample package, fresh each call so tests can change it freely."""

    def read(relative: str) -> Any:
        return json.loads((SAMPLE / relative).read_text(encoding="utf-8"))

    return read
