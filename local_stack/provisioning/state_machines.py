"""Provisions Step Functions state machines from their local ASL files, with the encryption AWS would accept."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from local_stack.provisioning.records import Created
from local_stack.sam_transform import local_path

if TYPE_CHECKING:
    from local_stack.provisioning.provisioner import Provisioner


def state_machine(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    """A state machine whose definition is a local ASL file (DefinitionS3Location) or in the template."""
    properties = provisioner.resolved_properties(resource)
    if "DefinitionS3Location" in properties:
        text = local_path(provisioner.template.root, properties["DefinitionS3Location"]).read_text(encoding="utf-8")
    elif "DefinitionString" in properties:
        text = str(properties["DefinitionString"])
    else:
        text = json.dumps(properties["Definition"])
    for name, value in properties.get("DefinitionSubstitutions", {}).items():
        text = text.replace("${" + name + "}", str(value))
    json.loads(text)  # a substitution that breaks the JSON should fail here, not at execution time
    name = properties.get("StateMachineName") or provisioner.default_name(logical_id)
    role_arn = str(properties["RoleArn"])
    role_name = role_arn.rsplit("/", 1)[-1]
    iam = provisioner.client("iam")
    for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        provisioner.state_machine_policies[f"{role_name}-{policy_name}"] = document
    request: dict[str, Any] = {
        "name": name,
        "definition": text,
        "roleArn": role_arn,
        "type": properties.get("StateMachineType", "STANDARD"),
    }
    encryption = properties.get("EncryptionConfiguration")
    if encryption:
        request["encryptionConfiguration"] = _state_machine_encryption(provisioner, logical_id, encryption)
    arn = provisioner.client("stepfunctions").create_state_machine(**request)["stateMachineArn"]
    return Created(ref=arn, attributes={"Arn": arn, "Name": name})


def _state_machine_encryption(provisioner: Provisioner, logical_id: str, encryption: dict[str, Any]) -> dict[str, Any]:
    """The encryption configuration, refused where Step Functions refuses it (moto takes anything)."""
    kind = encryption.get("Type")
    if kind not in ("AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"):
        raise ValueError(f"{logical_id}: EncryptionConfiguration.Type {kind!r} is not a Step Functions type")
    configuration: dict[str, Any] = {"type": kind}
    if kind == "CUSTOMER_MANAGED_KMS_KEY":
        key = provisioner.client("kms").describe_key(KeyId=str(encryption["KmsKeyId"]))["KeyMetadata"]
        # moto leaves KeyUsage out of the metadata; AWS's default, and a symmetric key's only usage, is this.
        if key.get("KeySpec") != "SYMMETRIC_DEFAULT" or (key.get("KeyUsage") or "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
            raise ValueError(f"{logical_id}: Step Functions encrypts only with a symmetric encryption key")
        policy = provisioner.client("kms").get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
        if "states.amazonaws.com" not in policy:
            raise ValueError(f"{logical_id}: the key policy of {key['KeyId']} does not let Step Functions use it")
        reuse = int(encryption.get("KmsDataKeyReusePeriodSeconds", 300))
        if not 60 <= reuse <= 900:
            raise ValueError(f"{logical_id}: KmsDataKeyReusePeriodSeconds must be 60 to 900")
        configuration |= {"kmsKeyId": key["Arn"], "kmsDataKeyReusePeriodSeconds": reuse}
    return configuration
