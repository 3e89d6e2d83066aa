"""Options that make the deployment a production service: alarms that reach someone, and the
edge of a created ALB (WAF, access logs). Extra environments synthesized in-process, checked in
the JSON, by ``terraform validate`` and by checkov."""

from __future__ import annotations

import json

import pytest

from modules.config import ConfigError, load_environment
from tests.infra import terraform
from tests.infra.deploy_actions import NEEDS, is_read, refused, synthesized_types
from tests.infra.test_security import ACCOUNTS, World
from tests.infra.tf_json import Stack, statements

CERTIFICATE = "arn:aws:acm:us-east-1:758888582357:certificate/abc"

VARIANTS = {
    # The reference, with a created alarm topic and two people subscribed to it.
    "alarm-email": """
[alarms]
create_sns_topic_name = "busyb-google-workspace-mcp-alarms"
email_subscriptions = ["ops@busyb.ai", "oncall@busyb.ai"]
""",
    # The reference with its custom domain: a certificate requested and validated in the zone.
    "domain": """
[domain]
name = "google-workspace.busyb.ai"
hosted_zone_id = "Z0123456789ABCDEFGHIJ"
""",
    # The same with an existing certificate.
    # Everything created, with the WAF on the created ALB.
    "waf": f"""
[network]
create = true
[cluster]
create = true
[load_balancer]
create = true
certificate_arn = "{CERTIFICATE}"
[service_discovery]
create_namespace = true
[edge]
waf = true
waf_oauth_rate_limit = 200
access_logs_bucket_name = "busyb-google-workspace-mcp-alb-logs"
access_logs_expiration_days = 30
""",
    "domain-cert": f"""
[domain]
name = "google-workspace.busyb.ai"
hosted_zone_id = "Z0123456789ABCDEFGHIJ"
certificate_arn = "{CERTIFICATE}"
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
        ("email", "oncall@busyb.ai"),
        ("email", "ops@busyb.ai"),
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
            "id": "missing",
            "expression": "desired - running",
            "label": "Tasks missing",
            "return_data": True,
        }
        for key, metric in (("running", "RunningTaskCount"), ("desired", "DesiredTaskCount")):
            assert queries[key]["return_data"] is False
            assert queries[key]["metric"]["namespace"] == "ECS/ContainerInsights"
            assert queries[key]["metric"]["metric_name"] == metric
            assert queries[key]["metric"]["dimensions"] == {
                "ClusterName": "busyb-cluster",
                "ServiceName": "busyb-google-workspace-mcp-service",
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
        (
            '[alarms]\nemail_subscriptions = ["ops@busyb.ai"]\n',
            "alarms.email_subscriptions",
            "needs alarms.create_sns_topic_name",
        ),
        (
            '[alarms]\ncreate_sns_topic_name = "t"\nemail_subscriptions = ["ops"]\n',
            "alarms.email_subscriptions[0]",
            "must be an email address",
        ),
    ],
)
def test_alarm_setting_errors_name_the_field(tmp_path, text, field, message):
    with pytest.raises(ConfigError) as error:
        _environment(tmp_path, text)
    assert error.value.field == field and message in str(error.value)


# --------------------------------------------------------------------------- custom domain


def test_domain_certificate_is_requested_and_validated_through_the_zone(variants):
    stack = variants["domain"]
    certificate = stack.one("aws_acm_certificate")
    assert (certificate["domain_name"], certificate["validation_method"]) == ("google-workspace.busyb.ai", "DNS")
    records = stack.resources("aws_route53_record")
    validation_record = records["domain_validation_record"]
    assert validation_record["zone_id"] == "Z0123456789ABCDEFGHIJ"
    assert "aws_acm_certificate.domain_certificate.domain_validation_options" in validation_record["name"]
    validation = stack.one("aws_acm_certificate_validation")
    assert validation["validation_record_fqdns"] == ["${aws_route53_record.domain_validation_record.fqdn}"]
    # Attached next to the shared listener's own certificate only once ACM issued it.
    attached = stack.one("aws_lb_listener_certificate")
    assert attached["certificate_arn"] == "${aws_acm_certificate_validation.domain_validation.certificate_arn}"
    assert attached["listener_arn"] == "${data.aws_lb_listener.load_balancer_listener_lookup.arn}"


def test_domain_points_at_the_alb_and_becomes_the_public_url(variants):
    for name in ("domain", "domain-cert"):
        stack = variants[name]
        alias = stack.resources("aws_route53_record")["domain_alias"]
        assert (alias["name"], alias["type"]) == ("google-workspace.busyb.ai", "A")
        assert alias["zone_id"] == "Z0123456789ABCDEFGHIJ"
        assert alias["alias"] == {
            "name": "${data.aws_lb.load_balancer_lookup.dns_name}",
            "zone_id": "${data.aws_lb.load_balancer_lookup.zone_id}",
            "evaluate_target_health": True,
        }
        environment = {e["name"]: stack.resolve(e["value"]) for e in stack.container()["environment"]}
        assert environment["WORKSPACE_MCP_PUBLIC_URL"] == "https://google-workspace.busyb.ai/google-workspace"
        public = "https://google-workspace.busyb.ai/google-workspace"
        assert stack.resolve(stack.outputs["external_mcp_url"]["value"]) == f"{public}/mcp"
        assert stack.outputs["google_redirect_uri"]["value"] == f"{public}/auth/callback"
        for rule in stack.resources("aws_lb_listener_rule").values():
            assert rule["condition"][0]["path_pattern"]["values"]  # the paths stay, the host is added
            assert rule["dynamic"]["condition"] == {
                "for_each": ["google-workspace.busyb.ai"],
                "content": {"host_header": {"values": ["${condition.value}"]}},
            }


def test_existing_certificate_is_attached_without_requesting_one(variants):
    stack = variants["domain-cert"]
    assert not stack.resources("aws_acm_certificate") and not stack.resources("aws_acm_certificate_validation")
    assert stack.one("aws_lb_listener_certificate")["certificate_arn"] == CERTIFICATE
    assert set(stack.resources("aws_route53_record")) == {"domain_alias"}


def test_reference_without_domain_is_unchanged(production):
    assert not production.resource_types & {
        "aws_acm_certificate",
        "aws_route53_record",
        "aws_route53_zone",
        "aws_lb_listener_certificate",
    }
    assert "google_redirect_uri" not in production.outputs
    assert all("dynamic" not in rule for rule in production.resources("aws_lb_listener_rule").values())


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ('[domain]\nname = "mcp.busyb.ai"\n', "domain.hosted_zone_id", "exactly one"),
        (
            '[domain]\nname = "mcp.busyb.ai"\nhosted_zone_id = "Z1"\ncreate_hosted_zone_name = "busyb.ai"\n',
            "domain.hosted_zone_id",
            "exactly one",
        ),
        (
            '[domain]\nname = "mcp.busyb.ai"\ncreate_hosted_zone_name = "other.ai"\n',
            "domain.create_hosted_zone_name",
            "is not in the zone",
        ),
        ('[domain]\nname = "MCP.busyb.ai/x"\nhosted_zone_id = "Z1"\n', "domain.name", "DNS name"),
        ('[domain]\nhosted_zone_id = "Z1"\n', "domain.name", "must be set"),
        (
            '[load_balancer]\npublic_base_url = "https://x.busyb.ai"\n'
            '[domain]\nname = "mcp.busyb.ai"\nhosted_zone_id = "Z1"\n',
            "load_balancer.public_base_url",
            "conflicts with domain.name",
        ),
    ],
)
def test_domain_setting_errors_name_the_field(tmp_path, text, field, message):
    with pytest.raises(ConfigError) as error:
        _environment(tmp_path, text)
    assert error.value.field == field and message in str(error.value)


# --------------------------------------------------------------------------- edge protection


def test_waf_on_the_created_alb(variants):
    stack = variants["waf"]
    acl = stack.one("aws_wafv2_web_acl")
    assert (acl["scope"], acl["default_action"]) == ("REGIONAL", {"allow": {}})
    rules = {rule["name"]: rule for rule in acl["rule"]}
    common = rules["aws-common"]["statement"]["managed_rule_group_statement"]
    assert (common["vendor_name"], common["name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    # MCP bodies are the user's content (up to 4 MiB): the body rules count instead of blocking.
    assert {o["name"]: o["action_to_use"] for o in common["rule_action_override"]} == {
        "SizeRestrictions_BODY": {"count": {}},
        "CrossSiteScripting_BODY": {"count": {}},
    }
    bad = rules["aws-known-bad-inputs"]["statement"]["managed_rule_group_statement"]
    assert bad["name"] == "AWSManagedRulesKnownBadInputsRuleSet"
    limit = rules["oauth-rate-limit"]
    assert limit["action"] == {"block": {}}
    rate = limit["statement"]["rate_based_statement"]
    assert (rate["limit"], rate["aggregate_key_type"]) == (200, "IP")
    scoped = rate["scope_down_statement"]["or_statement"]["statement"]
    paths = {s["byte_match_statement"]["search_string"] for s in scoped}
    endpoints = ("/register", "/authorize", "/consent", "/token", "/revoke", "/auth/callback")
    assert paths == {f"/google-workspace{p}" for p in endpoints}
    association = stack.one("aws_wafv2_web_acl_association")
    assert association["resource_arn"] == "${aws_lb.load_balancer_alb.arn}"
    assert association["web_acl_arn"] == "${aws_wafv2_web_acl.waf_acl.arn}"
    logging = stack.one("aws_wafv2_web_acl_logging_configuration")
    assert logging["log_destination_configs"] == ["${aws_cloudwatch_log_group.waf_log_group.arn}"]
    groups = [g["name"] for g in stack.resources("aws_cloudwatch_log_group").values()]
    assert "aws-waf-logs-busyb-google-workspace-mcp-service" in groups


def test_access_logs_of_the_created_alb(variants):
    stack = variants["waf"]

    def of_bucket(type_: str) -> list[dict]:
        return [r for r in stack.resources(type_).values() if r["bucket"] == bucket]

    (name,) = [n for n, b in stack.resources("aws_s3_bucket").items() if b["bucket"].endswith("-alb-logs")]
    bucket = f"${{aws_s3_bucket.{name}.id}}"
    (encryption,) = of_bucket("aws_s3_bucket_server_side_encryption_configuration")
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "AES256"
    (lifecycle,) = of_bucket("aws_s3_bucket_lifecycle_configuration")
    assert lifecycle["rule"][0]["expiration"] == [{"days": 30}]
    (policy,) = [json.loads(p["policy"]) for p in of_bucket("aws_s3_bucket_policy")]
    found = {s["Sid"]: s for s in statements(policy)}
    assert found["DenyInsecureTransport"]["Effect"] == "Deny"
    assert found["AlbLogDelivery"]["Principal"]["AWS"].startswith("${data.aws_elb_service_account.")
    assert found["AlbLogDeliveryService"]["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    for sid in ("AlbLogDelivery", "AlbLogDeliveryService"):
        assert found[sid]["Action"] == "s3:PutObject"
        assert "/AWSLogs/${data.aws_caller_identity." in found[sid]["Resource"]
    logs = stack.one("aws_lb")["dynamic"]["access_logs"]
    assert logs["content"] == {"bucket": "${access_logs.value}", "enabled": True}
    assert logs["for_each"][0].startswith("${aws_s3_bucket_policy.")  # enabled once the ALB may write


def test_no_waf_unless_asked(production, variants):
    for stack in (production, variants["alarm-email"], variants["domain"]):
        assert not stack.resource_types & {"aws_wafv2_web_acl", "aws_wafv2_web_acl_association"}


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("[edge]\nwaf = true\n", "edge.waf", "a shared ALB's is its owner's decision"),
        (
            '[load_balancer]\ncreate = true\ncertificate_arn = "arn:aws:acm:us-east-1:1:certificate/x"\n'
            "[edge]\nwaf = true\nwaf_oauth_rate_limit = 5\n",
            "edge.waf_oauth_rate_limit",
            "between 100",
        ),
    ],
)
def test_edge_setting_errors_name_the_field(tmp_path, text, field, message):
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


# --------------------------------------------------------------------------- the pipeline roles

#: IAM's limits (characters without whitespace): one managed policy, and a role's inline policies together.
MANAGED_POLICY_LIMIT, INLINE_POLICIES_LIMIT = 6144, 10240


def _size(policy: dict) -> int:
    return len(json.dumps(policy, separators=(",", ":")))


@pytest.mark.parametrize("name", VARIANTS)
def test_pipeline_roles_cover_the_options_within_iams_limits(variants, tmp_path, name):
    """The deploy role may manage, and the plan role read, every resource of the variant (for the
    options a managed policy of their own, only in environments that use them), within IAM's sizes."""
    (tmp_path / f"{name}.toml").write_text(VARIANTS[name])
    world = World(variants[name].dir.parent, name, load_environment(tmp_path / f"{name}.toml"), ACCOUNTS["production"])
    assert not sorted(set(synthesized_types(world)) - set(NEEDS))
    assert not refused(world, world.deploy, NEEDS.__getitem__)
    assert not refused(world, world.plan, lambda type_: [a for a in NEEDS[type_] if is_read(a)])
    deploy = world.deploy
    assert len(deploy.policies) == 2  # every variant uses an option
    assert _size(world.boundary) < MANAGED_POLICY_LIMIT
    assert _size(deploy.policies[0]) < INLINE_POLICIES_LIMIT
    assert _size(deploy.policies[1]) < MANAGED_POLICY_LIMIT
