"""ConnectFunction's cold init stays small: its handler module loads no SDK, settings or domain at import."""

from __future__ import annotations

import subprocess
import sys

from tests.bench.cold_start import DOMAIN
from tests.support import REPO

# powertools itself loads the botocore package (for its user agent), not the SDK's clients.
HEAVY = ("boto3", "botocore.client", "pydantic.main", "civic311.triage", "civic311.cases", "shapely", "h3")


def test_importing_the_handler_loads_nothing_heavy() -> None:
    script = (
        f"import sys; sys.path[:0] = [{str(REPO / 'functions' / 'connect')!r}, {str(DOMAIN)!r}]; import app; "
        f"print(' '.join(sorted(m for m in sys.modules if m in {HEAVY!r} or m.startswith({HEAVY!r}))))"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert loaded.stdout.split() == []
