"""Options that make the deployment a production service: alarms that reach someone, and the
edge of a created ALB (WAF, access logs). Extra environments synthesized in-process, checked in
the JSON, by ``terraform validate`` and by checkov."""
from __future__ import annotations

import json

import pytest

from modules.config import ConfigError, load_environment
from tests.infra import terraform
from tests.infra.tf_json import Stack, statements

CERTIFICATE = "arn:aws:acm:us-east-1:758888582357:certificate/abc"

VARIANTS = {
    # The reference, with a created alarm topic and two people subscribed to it.
    "alarm-email": """
[alarms]
create_sns_topic_name = "busyb-google-workspace-mcp-alarms"
email_subscriptions = ["ops@busyb.ai", "oncall@busyb.ai"]
""",
}


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> dict[str, Stack]:
    from modules.stack import build_app

    sources = tmp_path_factory.mktemp("option-environments")
    outdir = tmp_path_factory.mktemp("option-stacks")
    environments = []
    for name, text in VARIANTS.items():
        (sources / f"{name}.toml").write_text(text)
        environments.append(load_environment(sources / f"{name}.toml"))
    build_app(environments, outdir=str(outdir)).synth()
    return {name: Stack(outdir / "stacks" / name / "cdk.tf.json") for name in VARIANTS}


def _environment(tmp_path, text: str):
    path = tmp_path / "option.toml"
    path.write_text(text)
    return load_environment(path)


# --------------------------------------------------------------------------- alarms


def test_created_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(variants):
    stack = variants["alarm-email"]
    topic = stack.one("aws_sns_topic")
    (key_name,) = stack.resources("aws_kms_key")
    # Not alias/aws/sns: CloudWatch cannot use the AWS-managed key, so its alarms would reach nobody.
    assert topic["kms_master_key_id"] == f"${{aws_kms_key.{key_name}.arn}}"
    key = stack.resources("aws_kms_key")[key_name]
    assert key["enable_key_rotation"] is True
    found = {s["Sid"]: s for s in statements(json.loads(key["policy"]))}
    assert found["CloudWatchAlarmsPublish"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(found["CloudWatchAlarmsPublish"]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert "aws:SourceAccount" in found["CloudWatchAlarmsPublish"]["Condition"]["StringEquals"]
    policy = {s["Sid"]: s for s in statements(json.loads(stack.one("aws_sns_topic_policy")["policy"]))}
    publish = policy["CloudWatchAlarmsOfThisAccount"]
    assert (publish["Principal"], publish["Action"]) == ({"Service": "cloudwatch.amazonaws.com"}, "sns:Publish")
    assert "aws:SourceAccount" in publish["Condition"]["StringEquals"]
    assert all(s["Principal"] != "*" for s in policy.values())


def test_every_alarm_notifies_the_topic_and_its_subscribers(variants):
    stack = variants["alarm-email"]
    subscriptions = stack.resources("aws_sns_topic_subscription").values()
    assert sorted((s["protocol"], s["endpoint"]) for s in subscriptions) == [
        ("email", "oncall@busyb.ai"), ("email", "ops@busyb.ai"),
    ]
    (topic_name,) = stack.resources("aws_sns_topic")
    topic_arn = f"${{aws_sns_topic.{topic_name}.arn}}"
    assert {s["topic_arn"] for s in subscriptions} == {topic_arn}
    alarms = stack.resources("aws_cloudwatch_metric_alarm")
    assert len(alarms) == 5
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == [topic_arn] and alarm["ok_actions"] == [topic_arn]


def test_running_tasks_below_desired_alarm(variants, production):
    for stack in (variants["alarm-email"], production):
        (alarm,) = [a for a in stack.resources("aws_cloudwatch_metric_alarm").values() if "metric_query" in a]
        assert alarm["alarm_name"] == "busyb-google-workspace-mcp-service-running-tasks"
        queries = {q["id"]: q for q in alarm["metric_query"]}
        assert queries["missing"] == {
            "id": "missing", "expression": "desired - running", "label": "Tasks missing", "return_data": True
        }
        for key, metric in (("running", "RunningTaskCount"), ("desired", "DesiredTaskCount")):
            assert queries[key]["return_data"] is False
            assert queries[key]["metric"]["namespace"] == "ECS/ContainerInsights"
            assert queries[key]["metric"]["metric_name"] == metric
            assert queries[key]["metric"]["dimensions"] == {
                "ClusterName": "busyb-cluster", "ServiceName": "busyb-google-workspace-mcp-service",
            }
        assert (alarm["comparison_operator"], alarm["threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
        # No data is not "healthy": Container Insights off on a reused cluster must be noticed.
        assert alarm["treat_missing_data"] == "missing"
        assert alarm["insufficient_data_actions"] == alarm["alarm_actions"]


def test_running_tasks_alarm_can_be_turned_off(tmp_path):
    settings = _environment(tmp_path, "[alarms]\nrunning_tasks = false\n")
    assert settings.alarms.running_tasks is False


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ('[alarms]\nemail_subscriptions = ["ops@busyb.ai"]\n', "alarms.email_subscriptions",
         "needs alarms.create_sns_topic_name"),
        ('[alarms]\ncreate_sns_topic_name = "t"\nemail_subscriptions = ["ops"]\n', "alarms.email_subscriptions[0]",
         "must be an email address"),
    ],
)
def test_alarm_setting_errors_name_the_field(tmp_path, text, field, message):
    with pytest.raises(ConfigError) as error:
        _environment(tmp_path, text)
    assert error.value.field == field and message in str(error.value)


# --------------------------------------------------------------------------- every variant


@pytest.mark.parametrize("name", VARIANTS)
def test_option_variant_validates(variants, terraform_env, tmp_path, name):
    terraform.validate(terraform.copy_stack(variants[name].dir, tmp_path / name), terraform_env)


def test_checkov_passes_the_option_variants(variants, tmp_path):
    for name, stack in variants.items():
        terraform.copy_stack(stack.dir, tmp_path / name)
    report = terraform.checkov(tmp_path)
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in report["results"]["failed_checks"]]
    assert not failed, "\n".join(failed)
