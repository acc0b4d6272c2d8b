"""The README shows before it tells: it opens with the two pictures, which are in the repository and small."""

from __future__ import annotations

import re

from tests.support import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
MOST_BYTES = 150_000


def test_the_readme_opens_with_the_resident_page_and_the_staff_console_before_the_commands() -> None:
    opening = README[: README.index("## The two commands")]
    pictures = re.findall(r'<img src="([^"]+)"', opening)
    assert pictures == ["docs/screenshots/resident-phone.png", "docs/screenshots/staff-console.png"]


def test_each_readme_picture_is_a_small_png_kept_in_the_repository() -> None:
    for source in re.findall(r'<img src="([^"]+)"', README):
        picture = REPO / source
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", source
        assert picture.stat().st_size < MOST_BYTES, source
