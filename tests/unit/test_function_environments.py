"""Each function's environment in template.yaml names what that function reads, and Globals only what all read."""

from __future__ import annotations

import re

import pytest

from civic311 import settings
from local_stack.sam_transform import local_path
from local_stack.template import Template
from tests.support import REPO, TEMPLATE

# Read outside the settings models: powertools' service name, and the SDK budget civic311/aws.py picks by.
NOT_SETTINGS = {"POWERTOOLS_SERVICE_NAME", "SDK_BUDGET"}
_SETTINGS_IMPORT = re.compile(r"from civic311\.settings import (\w+)")

STACK_TEMPLATE = Template(TEMPLATE, {}, "civic311")
GLOBAL_VARIABLES = set(STACK_TEMPLATE.body["Globals"]["Function"]["Environment"]["Variables"])
# The functions as deployed: the SAM transform has merged Globals into each.
FUNCTIONS = STACK_TEMPLATE.of_type("AWS::Lambda::Function")


def code_dir(logical_id: str) -> str:
    """The function's folder, relative to the template (its CodeUri)."""
    return str(local_path(REPO, FUNCTIONS[logical_id]["Properties"]["Code"]).relative_to(REPO))


def settings_model(code_uri: str) -> type[settings._Settings] | None:
    """The settings model a function's handler validates at cold start, if it has one."""
    names = set(_SETTINGS_IMPORT.findall((REPO / code_uri / "app.py").read_text(encoding="utf-8")))
    assert len(names) <= 1, f"{code_uri} imports several settings models: {sorted(names)}"
    return getattr(settings, names.pop()) if names else None


def own_variables(logical_id: str) -> set[str]:
    variables = STACK_TEMPLATE.body["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    return set(variables)


def test_globals_name_only_the_stage_and_powertools_settings() -> None:
    everyones = {"STAGE", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_LOGGER_LOG_EVENT"}
    assert everyones == GLOBAL_VARIABLES


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_a_function_is_given_every_setting_its_model_requires(logical_id: str) -> None:
    model = settings_model(code_dir(logical_id)) or settings._Settings
    given = {name.lower() for name in FUNCTIONS[logical_id]["Properties"]["Environment"]["Variables"]}
    required = {name for name, info in model.model_fields.items() if info.is_required()}
    assert required - given == set()


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_a_function_names_only_variables_it_reads(logical_id: str) -> None:
    model = settings_model(code_dir(logical_id))
    fields = {name.upper() for name in model.model_fields} if model else set()
    assert own_variables(logical_id) - fields - NOT_SETTINGS == set()


def test_only_the_functions_that_search_places_are_told_the_place_index() -> None:
    told = {logical_id for logical_id in FUNCTIONS if "PLACE_INDEX_NAME" in own_variables(logical_id)}
    assert told == {"WorkflowFunction", "ConnectFunction"}
