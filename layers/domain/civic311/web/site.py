"""The web pages as files to publish: which files, served with which content type, and the config.json they read.

The pages are plain HTML, CSS and JavaScript modules with no build step; a deploy uploads them as they are
and writes config.json beside them, the one place a page learns where its APIs are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field

from civic311.catalog import Language
from civic311.errors import InvalidInput

CONFIG_KEY = "config.json"
# Browsers and CloudFront revalidate every file with its ETag, so a deploy shows at once, without an
# invalidation, and a page never mixes an old script with a new one for longer than one load.
CACHE_CONTROL = "no-cache"
# An explicit table: Lambda's image and developers' machines disagree on /etc/mime.types.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
}
# Lambda extracts every layer of a function into the same folder; the domain layer's packages are not pages.
NOT_PAGES = frozenset({"python"})


@dataclass(frozen=True)
class SiteFile:
    """One file of the site: its key (URL path without the leading slash) and where it is on disk."""

    key: str
    path: Path
    content_type: str


def content_type(key: str) -> str | None:
    """The Content-Type a key is served with, or None for a type the site does not serve."""
    return CONTENT_TYPES.get(PurePosixPath(key).suffix.lower())


def site_files(root: Path) -> list[SiteFile]:
    """Every file of the site under root, by key; InvalidInput names a file that cannot be published."""
    if not (root / "index.html").is_file():
        raise InvalidInput(f"{root} has no index.html: it is not the web pages folder")
    files = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or relative.parts[0] in NOT_PAGES or any(p.startswith(".") for p in relative.parts):
            continue
        key = relative.as_posix()
        if key == CONFIG_KEY:
            raise InvalidInput(f"{CONFIG_KEY} is written by the deploy; remove it from {root}")
        kind = content_type(key)
        if kind is None:
            raise InvalidInput(f"{key}: no content type for '{path.suffix}' files; add one to CONTENT_TYPES")
        files.append(SiteFile(key=key, path=path, content_type=kind))
    return files


class CognitoConfig(BaseModel):
    """Where the staff console signs in: Cognito's InitiateAuth (SRP) with the user pool's app client."""

    region: str
    user_pool_id: str = Field(description="The staff pool; its id after the underscore is SRP's realm.")
    client_id: str
    endpoint: str = Field(description="Cognito user-pool API endpoint (AWS's, or the local stack's).")


class WebConfig(BaseModel):
    """config.json, read by every page at start."""

    model_config = ConfigDict(extra="forbid")

    api_base: str = Field(
        default="", description="Prefix of API URLs; empty when the API is on the page's own origin (CloudFront)."
    )
    open311_api_key: str = Field(
        description="The web page's Open311 client key: an identifier that can be revoked, not a secret."
    )
    cognito: CognitoConfig
    languages: list[Language] = Field(default_factory=lambda: list(get_args(Language)))
