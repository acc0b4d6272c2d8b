"""The SAM transform, run as CloudFormation runs it: aws-sam-translator turns the template's AWS::Serverless::*
resources (with Globals merged, Events and Policies expanded) into plain CloudFormation resources.

The local stack provisions what the translator gives, never its own reading of the SAM form. Like `sam package`,
the code folders (CodeUri, ContentUri, DefinitionUri) become S3 locations first: in a `LOCAL_CODE_BUCKET`
location the key is the folder, relative to the template.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from moto.iam.aws_managed_policies import aws_managed_policies_data
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"
# Not a bucket: it marks a location that stands for a folder beside the template (see local_path).
LOCAL_CODE_BUCKET = "local-stack-code"
_CODE_LOCATIONS = ("CodeUri", "ContentUri", "DefinitionUri")
# With no feature-toggle configuration (none is needed offline) the translator warns of every feature it asks about.
logging.getLogger("samtranslator.feature_toggle.feature_toggle").setLevel(logging.ERROR)


@cache
def managed_policies() -> dict[str, dict[str, Any]]:
    """AWS's managed policies (name, path, document), as moto ships them."""
    policies: dict[str, dict[str, Any]] = json.loads(aws_managed_policies_data)
    return policies


def managed_policy_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy{managed_policies()[name]['Path']}{name}"


def translate(body: Mapping[str, Any], parameters: Mapping[str, str], region: str) -> dict[str, Any]:
    """The template after the SAM transform; `body` has had every transform before SAM's applied already."""
    key = json.dumps([body, parameters, region], sort_keys=True, default=str)
    # Translating takes about half a second; test fixtures read the same template many times.
    if key not in _translated:
        _translated[key] = _translate(body, parameters, region)
    return copy.deepcopy(_translated[key])


_translated: dict[str, dict[str, Any]] = {}


def _translate(body: Mapping[str, Any], parameters: Mapping[str, str], region: str) -> dict[str, Any]:
    transforms = body.get("Transform", [])
    if SERVERLESS_TRANSFORM not in ([transforms] if isinstance(transforms, str) else transforms):
        return copy.deepcopy(dict(body))  # a plain CloudFormation template: nothing to translate
    fragment = copy.deepcopy(dict(body))
    fragment["Transform"] = SERVERLESS_TRANSFORM
    for resource in fragment.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for name in _CODE_LOCATIONS:
            if isinstance(properties.get(name), str) and not properties[name].startswith("s3://"):
                properties[name] = f"s3://{LOCAL_CODE_BUCKET}/{properties[name]}"
    # The managed-policy map comes from moto's copy of AWS's policies, so translating never calls IAM.
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    translated: dict[str, Any] = translator.translate(
        fragment,
        parameter_values=dict(parameters),
        get_managed_policy_map=lambda: {name: managed_policy_arn(name) for name in managed_policies()},
    )
    return translated


def local_path(root: Path, location: Any) -> Path:
    """The folder or file a Lambda Code or Content, or a DefinitionS3Location, stands for locally."""
    if isinstance(location, str):
        return (root / location).resolve()  # a CloudFormation resource naming its local file, as `sam package` reads
    if isinstance(location, Mapping):
        bucket = location.get("S3Bucket", location.get("Bucket"))
        key = location.get("S3Key", location.get("Key"))
        if bucket == LOCAL_CODE_BUCKET and isinstance(key, str):
            return (root / key).resolve()
    raise NotImplementedError(f"locally, code must be a folder beside the template, not {location!r}")
