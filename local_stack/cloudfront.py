"""The template's CloudFront distribution, locally: the gateway serves the pages from the local bucket.

In AWS, CloudFront answers the pages from a private bucket (the default behavior) and sends the API's paths
to API Gateway. Locally the gateway is both: API routes first, then any GET or HEAD the distribution's default
behavior covers is read from the bucket the deploy published to, with the template's security headers.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

# AWS service endpoints named in a policy (e.g. the CSP's Cognito origin) are the embedded endpoint locally.
_AWS_ORIGIN = re.compile(r"https://[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com")


@dataclass
class WebDistribution:
    """What the local gateway needs from an AWS::CloudFront::Distribution whose default origin is a bucket."""

    bucket: str
    root_object: str
    # Path patterns of the behaviors that go to another origin (the API): not pages.
    other_paths: list[str]
    headers: list[tuple[str, str]] = field(default_factory=list)

    def to_api(self, path: str) -> bool:
        """Whether a behavior of another origin (the API) takes this path. CloudFront's patterns are
        case-sensitive, `*` is any run of characters, `/` included, and `?` one character: fnmatchcase's."""
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.other_paths)

    def covers(self, path: str) -> bool:
        return not self.to_api(path)

    def key_for(self, path: str) -> str | None:
        """The bucket key for a URL path, as the template's viewer-request function maps it; None if unsafe."""
        if not path.startswith("/") or "\\" in path or "\x00" in path:
            return None
        segments = path[1:].split("/")
        if any(segment in (".", "..") for segment in segments) or "" in segments[:-1]:
            return None
        if path == "/":
            return self.root_object
        if segments[-1] == "":
            return "/".join(segments[:-1]) + "/index.html"
        if "." not in segments[-1]:
            return "/".join(segments) + "/index.html"
        return "/".join(segments)


def distribution(config: dict[str, Any], header_policies: dict[str, list[tuple[str, str]]]) -> WebDistribution | None:
    """Read a resolved DistributionConfig; None when its default behavior does not serve a bucket."""
    origins = {origin["Id"]: origin for origin in config.get("Origins", [])}
    default = config["DefaultCacheBehavior"]
    origin = origins[default["TargetOriginId"]]
    if "S3OriginConfig" not in origin:
        return None
    # <bucket>.s3.<region>.amazonaws.com, the bucket's RegionalDomainName
    bucket = str(origin["DomainName"]).split(".s3.", 1)[0]
    return WebDistribution(
        bucket=bucket,
        root_object=str(config.get("DefaultRootObject") or "index.html"),
        other_paths=[
            str(behavior["PathPattern"])
            for behavior in config.get("CacheBehaviors", [])
            if behavior["TargetOriginId"] != default["TargetOriginId"]
        ],
        headers=header_policies.get(str(default.get("ResponseHeadersPolicyId", "")), []),
    )


def response_headers(config: dict[str, Any], aws_endpoint: str | None) -> list[tuple[str, str]]:
    """The headers a ResponseHeadersPolicyConfig adds; AWS origins in them become the local endpoint."""
    security = config.get("SecurityHeadersConfig", {})
    headers: list[tuple[str, str]] = []
    if "ContentSecurityPolicy" in security:
        policy = str(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
        headers.append(("Content-Security-Policy", _AWS_ORIGIN.sub(aws_endpoint, policy) if aws_endpoint else policy))
    if "ContentTypeOptions" in security:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if "FrameOptions" in security:
        headers.append(("X-Frame-Options", str(security["FrameOptions"]["FrameOption"])))
    if "ReferrerPolicy" in security:
        headers.append(("Referrer-Policy", str(security["ReferrerPolicy"]["ReferrerPolicy"])))
    if "StrictTransportSecurity" in security:
        hsts = security["StrictTransportSecurity"]
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if str(hsts.get("IncludeSubdomains")).lower() == "true" else ""
        value += "; preload" if str(hsts.get("Preload")).lower() == "true" else ""
        headers.append(("Strict-Transport-Security", value))
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        headers.append((str(item["Header"]), str(item["Value"])))
    return headers


class PagesOrigin:
    """Answers page requests from the distribution's bucket on the embedded endpoint, as CloudFront would."""

    def __init__(self, web: WebDistribution, s3: Any) -> None:
        self.web = web
        self.s3 = s3

    def covers(self, method: str, path: str) -> bool:
        return method in ("GET", "HEAD") and self.web.covers(path)

    def answer(self, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body for a page path; 404 for anything the bucket does not hold."""
        key = self.web.key_for(path)
        found = None
        if key is not None:
            try:
                found = self.s3.get_object(Bucket=self.web.bucket, Key=key)
            except self.s3.exceptions.NoSuchKey:
                found = None
        if found is None:
            return 404, [("Content-Type", "text/plain; charset=utf-8"), *self.web.headers], b"Not Found"
        headers = [("Content-Type", str(found.get("ContentType") or "application/octet-stream"))]
        headers += [(name, str(found[field])) for name, field in (("ETag", "ETag"), ("Cache-Control", "CacheControl"))]
        return 200, [*headers, *self.web.headers], found["Body"].read()
