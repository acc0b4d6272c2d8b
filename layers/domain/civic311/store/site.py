"""Where the web pages are published: the private bucket CloudFront reads, and the Cognito endpoint they sign in at.

The endpoint is the one the SDK itself uses, so config.json names AWS's endpoint in AWS and the local one under
the local stack.
"""

from __future__ import annotations

from civic311 import aws

# S3's most keys in one DeleteObjects call.
_DELETE_BATCH = 1000


def cognito_endpoint() -> tuple[str, str]:
    """(endpoint URL, region) of Cognito's user-pool API, as the SDK reaches it."""
    return aws.cognito_idp_endpoint()


class SiteBucket:
    """One bucket of web pages, written whole on each publish."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, body: bytes, content_type: str, cache_control: str) -> None:
        """Write one file."""
        aws.s3().put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, CacheControl=cache_control
        )

    def read(self, key: str) -> bytes | None:
        """One file's bytes; None when there is no such file."""
        s3 = aws.s3()
        try:
            return s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None

    def keys(self) -> set[str]:
        """Every file's key."""
        keys: set[str] = set()
        for page in aws.s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys.update(item["Key"] for item in page.get("Contents", []) if "Key" in item)
        return keys

    def delete(self, keys: list[str]) -> int:
        """Delete these files; how many were asked for."""
        for start in range(0, len(keys), _DELETE_BATCH):
            chunk = keys[start : start + _DELETE_BATCH]
            aws.s3().delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True}
            )
        return len(keys)

    def empty(self) -> None:
        """Delete every version of every file and every delete marker, so the bucket itself can be deleted."""
        for page in aws.s3().get_paginator("list_object_versions").paginate(Bucket=self.bucket):
            versions = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            objects = [
                {"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions if "Key" in v and "VersionId" in v
            ]
            if objects:
                aws.s3().delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})  # type: ignore[typeddict-item]
