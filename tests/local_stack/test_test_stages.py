"""`make test` closes with a table of its stages: result, tests passed/failed/skipped, seconds; it fails if any did."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests import stages

SUITE = """
import pytest

def test_one(): assert True
def test_two(): assert True
def test_three(): assert 1 == 2
@pytest.mark.skip(reason="not here")
def test_four(): pass
"""


@pytest.fixture
def make(tmp_path: Path) -> Path:
    """A stand-in for make: `suite` runs a small pytest suite (one test failing), `parallel` runs it on two
    processes (pytest-xdist, as `make unit` does), `lint` passes, `broken` fails."""
    (tmp_path / "test_small.py").write_text(SUITE)
    script = tmp_path / "make"
    script.write_text(
        "#!/bin/sh\n"
        'case "$2" in\n'
        f"  suite) exec {sys.executable} -m pytest -q -p tests.stages -p no:cacheprovider {tmp_path}/test_small.py ;;\n"
        f"  parallel) exec {sys.executable} -m pytest -q -n 2 -p tests.stages -p no:cacheprovider"
        f" {tmp_path}/test_small.py ;;\n"
        "  lint) echo 'All checks passed!' ;;\n"
        "  *) exit 2 ;;\n"
        "esac\n"
    )
    script.chmod(0o755)
    return script


def test_every_stage_runs_and_the_table_gives_counts_seconds_and_the_total(
    make: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = stages.main(["--make", str(make), "--records", str(make.parent), "broken", "lint", "suite"])
    out = capfd.readouterr().out
    assert code == 1
    assert "1 failed, 2 passed, 1 skipped" in out  # pytest's own closing line is still printed
    table = out[out.index("\nmake test\n") :].strip().splitlines()
    assert re.fullmatch(r"stage +result +passed +failed +skipped +seconds", table[1])
    assert re.fullmatch(r"broken +FAILED +- +- +- +\d+\.\d", table[2])
    assert re.fullmatch(r"lint +passed +- +- +- +\d+\.\d", table[3])
    assert re.fullmatch(r"suite +FAILED +2 +1 +1 +\d+\.\d", table[4])
    assert re.fullmatch(r"total +FAILED +2 +1 +1 +\d+\.\d", table[6])
    assert table[7] == "failed: broken, suite"
    assert table[8] == "total: 2 passed, 2 failed, 1 skipped"  # the failed stage that is no suite counts as one


def test_a_run_where_every_stage_passes_exits_zero(make: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert stages.main(["--make", str(make), "--records", str(make.parent), "lint"]) == 0
    closing = capfd.readouterr().out.strip().splitlines()
    assert closing[-2].startswith("total  passed")
    assert closing[-1] == "total: 0 passed, 0 failed, 0 skipped"


def test_a_suite_run_on_two_processes_counts_each_test_once(make: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert stages.main(["--make", str(make), "--records", str(make.parent), "parallel"]) == 1
    table = capfd.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"parallel +FAILED +2 +1 +1 +\d+\.\d", table[-5]), table
