"""The 311 line's Amazon Connect contact flow and its caller bot, read from template.yaml.

The flow is the `Content` of the template's AWS::Connect::ContactFlow, YAML under Fn::ToJsonString. Here it
is resolved with whatever names the caller supplies for the stack's resources (the local stack's own, or
placeholders); connect_flow_checks.py then checks it as an import would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_stack.connect_flow_spec import CONTACT_FLOW_RESOURCE, FlowError
from local_stack.template import ACCOUNT_ID, REGION, Resolver, Template, resolve


def flow_resource(template: Template) -> tuple[str, dict[str, Any]]:
    """The template's one contact flow, whatever its condition (the flow exists even when Connect is off)."""
    found = [
        (logical_id, resource)
        for logical_id, resource in template.declared.items()
        if resource.get("Type") == CONTACT_FLOW_RESOURCE
    ]
    if len(found) != 1:
        raise FlowError(f"template.yaml should declare one {CONTACT_FLOW_RESOURCE}, found {len(found)}")
    return found[0]


def placeholder_arn(template: Template, logical_id: str, attribute: str) -> str:
    """A stand-in ARN of the right shape for a resource that only exists in an Amazon Connect deploy."""
    resource = template.declared.get(logical_id)
    if resource is None:
        raise FlowError(f"the flow refers to {logical_id}.{attribute}, which is not in the template")
    kind = resource["Type"]
    instance = f"arn:aws:connect:{REGION}:{ACCOUNT_ID}:instance/00000000-0000-4000-8000-000000000311"
    if kind == "AWS::Connect::HoursOfOperation":
        return f"{instance}/operating-hours/{logical_id}"
    if kind == "AWS::Connect::Queue":
        return f"{instance}/queue/{logical_id}"
    if kind == "AWS::Lex::BotAlias":
        return f"arn:aws:lex:{REGION}:{ACCOUNT_ID}:bot-alias/{logical_id}/{logical_id}"
    if kind == "AWS::Lambda::Function":
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{template.stack_name}-{logical_id}"
    raise FlowError(f"no placeholder for {kind} ({logical_id}.{attribute})")


def logical_id_of(arn: str) -> str:
    """The resource a placeholder ARN stands for (its last path segment)."""
    return arn.rstrip("/").rsplit("/", 1)[-1]


def load_flow(template: Template, attribute: Callable[[str, str], str] | None = None) -> tuple[dict[str, Any], str]:
    """The contact flow as Connect receives it (parsed, and as the Content string)."""
    _, resource = flow_resource(template)
    content = resource.get("Properties", {}).get("Content")
    if content is None:
        raise FlowError("the contact flow has no Content")

    def name_of(logical_id: str) -> str:
        return placeholder_arn(template, logical_id, "Ref")

    resolver = Resolver(
        template,
        physical=name_of,
        attribute=attribute or (lambda logical_id, name: placeholder_arn(template, logical_id, name)),
    )
    text = resolve(content, resolver)
    if not isinstance(text, str):
        raise FlowError("Content must be a string (Connect rejects a JSON object here)")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise FlowError(f"Content is not JSON: {error.msg} at line {error.lineno}") from None
    if not isinstance(parsed, dict):
        raise FlowError("Content must be a JSON object")
    return parsed, text


@dataclass
class Intent:
    name: str
    utterances: tuple[str, ...]
    fallback: bool
    code_hook: bool


@dataclass
class BotLocale:
    locale_id: str
    intents: list[Intent] = field(default_factory=list)


def bot_locales(template: Template, alias_logical_id: str) -> dict[str, BotLocale]:
    """The Lex bot behind an alias, by locale (en_US, es_US), as the template declares it."""
    resources = template.declared
    alias = resources.get(alias_logical_id)
    if alias is None or alias["Type"] != "AWS::Lex::BotAlias":
        raise FlowError(f"{alias_logical_id} is not an AWS::Lex::BotAlias of the template")
    bot_ref = alias["Properties"]["BotId"]
    bot_id = bot_ref.get("Ref") if isinstance(bot_ref, dict) else None
    if bot_id not in resources:
        raise FlowError(f"{alias_logical_id}'s BotId must Ref a bot of the template")
    locales: dict[str, BotLocale] = {}
    for locale in resources[bot_id]["Properties"]["BotLocales"]:
        entry = BotLocale(locale["LocaleId"])
        for intent in locale.get("Intents", []):
            entry.intents.append(
                Intent(
                    name=intent["Name"],
                    utterances=tuple(item["Utterance"] for item in intent.get("SampleUtterances", [])),
                    fallback=intent.get("ParentIntentSignature") == "AMAZON.FallbackIntent",
                    code_hook=bool(intent.get("FulfillmentCodeHook", {}).get("Enabled")),
                )
            )
        locales[entry.locale_id] = entry
    return locales


def code_hook_function(template: Template, alias_logical_id: str, locale_id: str) -> str | None:
    """The logical id of the function an alias calls as its code hook in a locale, if any."""
    alias = template.declared[alias_logical_id]["Properties"]
    for setting in alias.get("BotAliasLocaleSettings", []):
        if setting["LocaleId"] != locale_id:
            continue
        hook = setting["BotAliasLocaleSetting"].get("CodeHookSpecification", {}).get("LambdaCodeHook", {})
        arn = hook.get("LambdaArn")
        if isinstance(arn, dict) and "Fn::GetAtt" in arn:
            target = arn["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None
