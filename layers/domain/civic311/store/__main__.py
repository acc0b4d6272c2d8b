"""API-key administration (Open311 partners, 911 answering points), with an administrator's AWS credentials.

IAM is the only admin door.

  python -m civic311.store keys create --client-id fixmystreet --name "FixMyStreet" --table <ApiClientsTableName> \
      --usage-plan <PartnerUsagePlanId>
  python -m civic311.store keys rotate --client-id fixmystreet --table ... --usage-plan ...  (new key, old revoked)
  python -m civic311.store keys revoke --client-id fixmystreet --table ...
  python -m civic311.store keys list --table ...

A 911 answering point's CAD key (--kind dispatch) lives in API Gateway only, in the dispatch usage plan, named
by the answering point; it opens the dispatch API's acknowledgement route and nothing else:

  python -m civic311.store keys create --kind dispatch --client-id pima-911 --name "Pima County 911" \
      --usage-plan <DispatchUsagePlanId>
  python -m civic311.store keys rotate|revoke|list --kind dispatch [--client-id ...] [--usage-plan ...]

API Gateway generates the key and holds it in the usage plan, which meters it when it comes in the X-API-Key
header (/open311/keyed/v2/); the table holds only its digest, which names the client and serves clients that
send it in the form body (/open311/v2/). The key is printed once. A revoked key is refused by API Gateway at
once and by the functions within a minute (they cache lookups that long).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.store.api_clients import ApiClientStore
from civic311.store.dispatch_keys import ANSWERING_POINT_ID, KEY_NAME_PREFIX
from civic311.store.gateway_keys import GatewayKeys


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m civic311.store", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    groups = parser.add_subparsers(dest="group", required=True)
    keys = groups.add_parser(
        "keys", help="API keys: Open311 partners, or 911 answering points (--kind dispatch)"
    ).add_subparsers(dest="command", required=True)
    for command in ("create", "rotate", "revoke", "list"):
        sub = keys.add_parser(command)
        sub.add_argument(
            "--kind", choices=("open311", "dispatch"), default="open311", help="a partner's key or an answering point's"
        )
        sub.add_argument("--table", help="the ApiClientsTable's name (stack output ApiClientsTableName); open311 only")
        sub.add_argument("--endpoint-url", help="an AWS endpoint other than the default, e.g. the local stack's")
        if command != "list":
            sub.add_argument("--client-id", required=True)
        if command in ("create", "rotate"):
            sub.add_argument("--name", required=command == "create", help="the client application's name")
            sub.add_argument(
                "--usage-plan", required=True, help="the usage plan the key joins (stack output PartnerUsagePlanId)"
            )
    args = parser.parse_args(argv)
    if args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
        aws.reset()
    if args.kind == "dispatch":
        return _dispatch_keys(args)
    if not args.table:
        parser.error("--table is required for open311 keys")
    store = ApiClientStore(args.table)

    if args.command == "list":
        for record in store.clients():
            print(
                json.dumps({key: record[key] for key in ("client_id", "name", "active", "created_at") if key in record})
            )
        return 0
    existing = store.keys_of(args.client_id)
    active = [record for record in existing if record.get("active")]
    if args.command == "revoke":
        retired = GatewayKeys().retire(args.client_id)
        print(f"revoked {store.revoke_client(args.client_id)} key(s) of {args.client_id} ({retired} in API Gateway)")
        return 0
    if args.command == "create" and active:
        print(f"{args.client_id} already has an active key; use rotate", file=sys.stderr)
        return 1
    name = args.name or (str(existing[0]["name"]) if existing else args.client_id)
    gateway = GatewayKeys(args.usage_plan)
    try:
        key_id, api_key = gateway.issue(args.client_id)
    except ClientError as error:
        print(f"API Gateway refused the key: {error.response['Error']['Message']}", file=sys.stderr)
        return 1
    try:
        store.register(args.client_id, name, api_key)
    except ClientError as error:
        gateway.delete(key_id)  # a key no client record names would be metered for no one
        print(f"could not store the key: {error.response['Error']['Message']}", file=sys.stderr)
        return 1
    if args.command == "rotate":
        # The new key exists before the old ones stop working, so the client can switch without a gap.
        for record in active:
            store.revoke_client_key(str(record["key_digest"]))
        gateway.retire(args.client_id, keep=key_id)
    print(api_key)
    return 0


def _dispatch_keys(args: argparse.Namespace) -> int:
    """Answering points' keys: API Gateway holds them (no table), named dispatch:<answering point id>."""
    if args.command == "list":
        for key in GatewayKeys(prefix=KEY_NAME_PREFIX).listed():
            print(
                json.dumps(
                    {
                        "answering_point": str(key["name"]).removeprefix(KEY_NAME_PREFIX),
                        "name": key.get("description"),
                        "enabled": key.get("enabled"),
                    }
                )
            )
        return 0
    if ANSWERING_POINT_ID.fullmatch(args.client_id) is None:
        print("an answering point id is 2-63 lower-case letters, digits and hyphens", file=sys.stderr)
        return 1
    gateway = GatewayKeys(
        getattr(args, "usage_plan", None),
        prefix=KEY_NAME_PREFIX,
        description=f"911 answering point {getattr(args, 'name', None) or args.client_id}",
    )
    if args.command == "revoke":
        print(f"revoked {gateway.retire(args.client_id)} dispatch key(s) of {args.client_id}")
        return 0
    if args.command == "create" and gateway.keys_of(args.client_id):
        print(f"{args.client_id} already has a dispatch key; use rotate", file=sys.stderr)
        return 1
    try:
        key_id, api_key = gateway.issue(args.client_id)
    except ClientError as error:
        print(f"API Gateway refused the key: {error.response['Error']['Message']}", file=sys.stderr)
        return 1
    # A rotation's new key works before the old ones stop, so the CAD can switch without a gap.
    gateway.retire(args.client_id, keep=key_id)
    print(api_key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
