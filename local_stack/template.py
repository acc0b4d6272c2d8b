"""Reads template.yaml: CloudFormation tags, parameters, conditions, SAM Globals and intrinsic functions."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-west-2"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"

_SHORT_TAGS = {
    "Ref": "Ref",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
    "Condition": "Condition",
}


class _Loader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation short tags into their long JSON form."""


def _construct(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if tag == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {tag: value}

    return construct


for _short, _long in _SHORT_TAGS.items():
    _Loader.add_constructor(f"!{_short}", _construct(_long))


def load_template(path: Path) -> dict[str, Any]:
    """The template as plain data, short tags expanded."""
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    return loaded


class Unresolvable(Exception):
    """An intrinsic the local stack cannot evaluate."""


@dataclass
class Template:
    """A loaded template with parameter values, evaluated conditions and Globals applied to functions."""

    path: Path
    parameters: dict[str, str]
    stack_name: str
    body: dict[str, Any] = field(init=False)
    conditions: dict[str, bool] = field(init=False)

    def __post_init__(self) -> None:
        self.body = load_template(self.path)
        declared = self.body.get("Parameters", {})
        values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
        unknown = set(self.parameters) - set(declared)
        if unknown:
            raise ValueError(f"unknown template parameters: {sorted(unknown)}")
        values.update(self.parameters)
        self.parameters = values
        self.conditions = {}
        for name, expression in self.body.get("Conditions", {}).items():
            self.conditions[name] = bool(self._evaluate_condition(expression))

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Resources whose Condition holds, with SAM Globals merged into functions."""
        return {logical_id: self.resource(logical_id) for logical_id in self.resource_ids}

    @property
    def resource_ids(self) -> list[str]:
        """The logical ids of the resources whose Condition holds, in the template's order."""
        return [
            logical_id
            for logical_id, resource in self.body.get("Resources", {}).items()
            if not resource.get("Condition") or self.conditions[resource["Condition"]]
        ]

    def resource(self, logical_id: str) -> dict[str, Any]:
        """One resource, Globals merged, as a copy the caller may change; KeyError if absent or its Condition fails.

        One at a time: copying every resource for each one provisioned made a stack's start slow.
        """
        if logical_id not in self.resource_ids:
            raise KeyError(logical_id)
        resource = copy.deepcopy(self.body["Resources"][logical_id])
        if resource["Type"] == "AWS::Serverless::Function":
            globals_function = self.body.get("Globals", {}).get("Function", {})
            resource["Properties"] = merge_globals(globals_function, resource.get("Properties", {}))
        return dict(resource)

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: self.resource(logical_id)
            for logical_id in self.resource_ids
            if self.body["Resources"][logical_id]["Type"] == resource_type
        }

    def _evaluate_condition(self, expression: Any) -> Any:
        return resolve(expression, self._condition_context())

    def _condition_context(self) -> Resolver:
        # Conditions may only use parameters and pseudo parameters, as in CloudFormation.
        return Resolver(self, physical=_no_resources, attribute=_no_resources)


def _no_resources(logical_id: str, *_: str) -> NoReturn:
    raise Unresolvable(f"conditions cannot refer to resource {logical_id}")


def merge_globals(globals_section: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's rule: maps merge (the function wins), lists of Layers concatenate, scalars are overridden."""
    merged: dict[str, Any] = copy.deepcopy(dict(globals_section))
    for key, value in properties.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = merge_globals(merged[key], value)
        elif key in merged and isinstance(merged[key], list) and isinstance(value, list) and key == "Layers":
            merged[key] = merged[key] + value
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@dataclass
class Resolver:
    """Evaluates intrinsic functions given how to name resources and read their attributes."""

    template: Template
    physical: Callable[[str], str]
    attribute: Callable[[str, str], str]

    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": PARTITION,
            "AWS::StackName": self.template.stack_name,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::NoValue": None,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.template.stack_name}/local",
        }.get(name)

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.template.parameters:
            return self.template.parameters[name]
        return self.physical(name)


_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


def resolve(value: Any, resolver: Resolver) -> Any:
    """Evaluate every intrinsic in a value; `AWS::NoValue` drops the key or item."""
    if isinstance(value, list):
        resolved = [resolve(item, resolver) for item in value]
        return [item for item in resolved if item is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key in _INTRINSICS:
            return _INTRINSICS[key](argument, resolver)
    resolved_map = {key: resolve(inner, resolver) for key, inner in value.items()}
    return {key: inner for key, inner in resolved_map.items() if inner is not _NO_VALUE}


_NO_VALUE = object()


def _ref(argument: Any, resolver: Resolver) -> Any:
    if argument == "AWS::NoValue":
        return _NO_VALUE
    return resolver.ref(argument)


def _get_att(argument: Any, resolver: Resolver) -> Any:
    logical_id, name = argument if isinstance(argument, list) else argument.split(".", 1)
    return resolver.attribute(logical_id, name)


def _sub(argument: Any, resolver: Resolver) -> str:
    if isinstance(argument, list):
        text, variables = argument[0], {k: resolve(v, resolver) for k, v in argument[1].items()}
    else:
        text, variables = argument, {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return str(variables[name])
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return str(resolver.attribute(logical_id, attribute))
        return str(resolver.ref(name))

    return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")


def _to_json_string(argument: Any, resolver: Resolver) -> str:
    """CloudFormation's compact JSON of the resolved object or array; without the transform it refuses the stack."""
    transform = resolver.template.body.get("Transform", [])
    if "AWS::LanguageExtensions" not in ([transform] if isinstance(transform, str) else transform):
        raise Unresolvable("Fn::ToJsonString needs the AWS::LanguageExtensions transform")
    if not isinstance(argument, dict | list):
        raise Unresolvable("Fn::ToJsonString takes an object or an array")
    return json.dumps(resolve(argument, resolver), separators=(",", ":"), ensure_ascii=False)


def _condition_value(argument: Any, resolver: Resolver) -> bool:
    return resolver.template.conditions[argument]


def _if(argument: Any, resolver: Resolver) -> Any:
    name, when_true, when_false = argument
    return resolve(when_true if resolver.template.conditions[name] else when_false, resolver)


_INTRINSICS: dict[str, Callable[[Any, Resolver], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": lambda a, r: str(resolve(a[0], r)).join(str(resolve(x, r)) for x in resolve(a[1], r)),
    "Fn::If": _if,
    "Fn::Equals": lambda a, r: resolve(a[0], r) == resolve(a[1], r),
    "Fn::Not": lambda a, r: not resolve(a[0], r),
    "Fn::And": lambda a, r: all(resolve(x, r) for x in a),
    "Fn::Or": lambda a, r: any(resolve(x, r) for x in a),
    "Fn::Select": lambda a, r: resolve(a[1], r)[int(resolve(a[0], r))],
    "Fn::Split": lambda a, r: str(resolve(a[1], r)).split(a[0]),
    "Fn::FindInMap": lambda a, r: r.template.body["Mappings"][resolve(a[0], r)][resolve(a[1], r)][resolve(a[2], r)],
    "Fn::ToJsonString": _to_json_string,
    "Condition": _condition_value,
}
