"""The rule table itself: every rule names real settings, and none silently stays out of the module.

(Whether the two renderings judge alike is test_verdicts.py's job, from values alone.)
"""

from __future__ import annotations

import pytest

from modules import validation
from modules.config import EnvironmentSettings
from modules.terraform_module import CALLER_SECTIONS, module_inputs
from modules.validation import RULES, F, Rule, required


def test_every_rule_names_settings_that_exist():
    settings = EnvironmentSettings(name="rules", source="rules")
    for rule in RULES:
        for key in rule.fields():
            F(key).py(settings)  # AttributeError names a misspelt setting


def test_only_caller_settings_and_the_image_tag_stay_out_of_the_module():
    python_only = {rule.field for rule in RULES if rule.python_only}
    assert {key for key in python_only if key.split(".")[0] not in CALLER_SECTIONS} == {"task.image_tag"}


def test_a_rule_on_a_setting_the_module_lacks_must_say_why():
    inputs = module_inputs()
    references = {item.key: f"var.{item.key}" for item in inputs}
    variables = {item.key: item.variable for item in inputs}
    with pytest.raises(ValueError, match=r"aws\.region.*python_only"):
        validation.module_validations(references, variables, [required("aws.region")])
    assert validation.module_validations(references, variables, [required("aws.region", python_only="caller")]) == {}


def test_a_failing_element_is_named_by_its_index():
    settings = EnvironmentSettings(name="rules", source="env.toml")
    rule = Rule(
        "network.subnet_ids",
        validation.starts_with(validation.Item(), "subnet-"),
        "is not a subnet id",
        each="items",
        got="repr",
    )
    bad = type(settings.network)(subnet_ids=("subnet-1", "vpc-2"))
    settings = type(settings)(name="rules", source="env.toml", network=bad)
    assert validation.failure(rule, settings) == ("network.subnet_ids[1]", "is not a subnet id (got 'vpc-2')")
