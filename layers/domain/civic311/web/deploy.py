"""The web pages as a CloudFormation custom resource (Custom::WebSite): publish them, and config.json, on deploy.

Properties: BucketName (the private bucket CloudFront reads), UserPoolId and UserPoolClientId (the staff
console's Cognito pool, whose id is SRP's realm, and app client), ApiClientsTable (where the page's Open311 key
is registered), UsagePlanId (the API Gateway usage plan that meters the page's key, which the page sends in
the X-API-Key header) and AssetsVersion (the pages layer's version ARN, so a change to the pages is an Update). The
Cognito endpoint is the one the SDK itself uses, so the same code writes AWS's endpoint in AWS and the local
endpoint under the local stack.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from civic311.channels.cloudformation import CustomResourceRequest, Outcome
from civic311.errors import InvalidInput
from civic311.store.api_clients import WEB_CLIENT_ID, ApiClientStore, key_digest, new_api_key
from civic311.store.gateway_keys import GatewayKeys, KeyValueRefused
from civic311.store.site import SiteBucket, cognito_endpoint
from civic311.web.site import CACHE_CONTROL, CONFIG_KEY, CognitoConfig, WebConfig, site_files

logger = Logger(child=True)

JSON = "application/json; charset=utf-8"


def _required(request: CustomResourceRequest, name: str) -> str:
    value = str(request.resource_properties.get(name) or "")
    if not value:
        raise InvalidInput(f"Custom::WebSite needs the property {name}")
    return value


def publish_site(request: CustomResourceRequest, assets: Path, default_clients_table: str) -> Outcome:
    """Create or Update: upload every page, write config.json, then remove files the pages no longer have."""
    bucket = SiteBucket(_required(request, "BucketName"))
    user_pool_id = _required(request, "UserPoolId")
    client_id = _required(request, "UserPoolClientId")
    clients = ApiClientStore(str(request.resource_properties.get("ApiClientsTable") or default_clients_table))
    gateway = GatewayKeys(_required(request, "UsagePlanId"))
    files = site_files(assets)
    for file in files:
        bucket.put(file.key, file.path.read_bytes(), file.content_type, CACHE_CONTROL)
    endpoint, region = cognito_endpoint()
    config = WebConfig(
        open311_api_key=web_client_key(bucket, clients, gateway),
        cognito=CognitoConfig(region=region, user_pool_id=user_pool_id, client_id=client_id, endpoint=endpoint),
    )
    bucket.put(CONFIG_KEY, config.model_dump_json(indent=2).encode("utf-8"), JSON, CACHE_CONTROL)
    removed = bucket.delete(sorted(bucket.keys() - {file.key for file in files} - {CONFIG_KEY}))
    logger.info("web pages published", extra={"bucket": bucket.bucket, "files": len(files), "removed": removed})
    return Outcome(
        # Stable per bucket: a new bucket is a new resource, and CloudFormation then deletes the old one.
        physical_resource_id=f"web-site:{bucket.bucket}",
        data={"Files": str(len(files)), "ApiClientId": WEB_CLIENT_ID},
    )


def retire_site(request: CustomResourceRequest, default_clients_table: str) -> None:
    """Delete: revoke the page's key and empty the bucket (every version), so CloudFormation can delete it."""
    bucket = SiteBucket(_required(request, "BucketName"))
    clients = ApiClientStore(str(request.resource_properties.get("ApiClientsTable") or default_clients_table))
    key = _published_key(bucket)
    GatewayKeys().retire(WEB_CLIENT_ID)
    if key:
        clients.revoke_client_key(key_digest(key))
    bucket.empty()


def web_client_key(bucket: SiteBucket, clients: ApiClientStore, gateway: GatewayKeys) -> str:
    """The key config.json already publishes while it is still valid; else a newly registered one (after a revoke).
    Either way it is the page's one key in its usage plan, and the page's older gateway keys are deleted."""
    key = _published_key(bucket)
    if key and clients.authenticate(key) is not None:
        try:
            gateway.ensure(WEB_CLIENT_ID, key)
            return key
        except KeyValueRefused:
            # A key from before the usage plans may not be a valid gateway key value: the page gets a new one.
            clients.revoke_client_key(key_digest(key))
    key = new_api_key()
    clients.register(client_id=WEB_CLIENT_ID, name="Resident web page", api_key=key)
    gateway.ensure(WEB_CLIENT_ID, key)
    return key


def _published_key(bucket: SiteBucket) -> str | None:
    body = bucket.read(CONFIG_KEY)
    if body is None:
        return None
    try:
        return WebConfig.model_validate(json.loads(body)).open311_api_key
    except (ValueError, ValidationError):
        logger.warning("the published config.json is unreadable; a new key is registered")
        return None
