"""End to end on an emulated AWS: the ``local`` stack through bootstrap -> init -> plan ->
apply -> verify -> no-drift re-plan -> destroy, against the session's moto server.

Terraform and its AWS provider run for real (from the local provider mirror); every check
reads the created resources back with boto3 from moto and compares them with the
reference deployment (../shared/reference/deployment-spec.md). The tests in this module
share one deployment and run in file order; the last one destroys it.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.fakes.terraform import terraform
from tests.infra.e2e_helpers import Deployment, deploy_local

pytestmark = pytest.mark.e2e

PREFIX = "/google-workspace"
DISCOVERY_PATHS = {
    PREFIX,
    f"/.well-known/oauth-authorization-server{PREFIX}",
    f"/.well-known/openid-configuration{PREFIX}",
    f"/.well-known/oauth-protected-resource{PREFIX}/*",
}
APP_SECRET_KEYS = ("GOOGLE_OAUTH_CLIENT_ID", "GOOGLE_OAUTH_CLIENT_SECRET", "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY")


@pytest.fixture(scope="module")
def deployment(moto, synth_dir, tmp_path_factory) -> Deployment:
    """The applied ``local`` stack; destroyed at the end of the module if a test did not."""
    with deploy_local(moto, synth_dir, tmp_path_factory.mktemp("e2e")) as deployed:
        yield deployed


def _path_patterns(rule: dict) -> set[str]:
    values: set[str] = set()
    for condition in rule["Conditions"]:
        if condition.get("Field") == "path-pattern":
            values.update(condition.get("Values") or [])
            values.update((condition.get("PathPatternConfig") or {}).get("Values") or [])
    return values


def test_apply_stores_state_in_s3_with_a_lock_file(deployment: Deployment):
    s3 = deployment.client("s3")
    state = json.loads(s3.get_object(Bucket=deployment.state_bucket, Key=deployment.state_key)["Body"].read())
    types = {resource["type"] for resource in state["resources"]}
    assert {"aws_ecs_service", "aws_lb_target_group", "aws_appautoscaling_policy"} <= types
    # The state bucket is versioned, so the lock file terraform wrote and removed
    # during apply left versions behind; no lock is held now.
    lock_key = f"{deployment.state_key}.tflock"
    versions = s3.list_object_versions(Bucket=deployment.state_bucket, Prefix=lock_key)
    assert versions.get("Versions"), f"no version of {lock_key}: terraform did not lock with use_lockfile"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=deployment.state_bucket, Key=lock_key)


def test_state_lock_is_enforced(deployment: Deployment):
    s3 = deployment.client("s3")
    lock_key = f"{deployment.state_key}.tflock"
    s3.put_object(
        Bucket=deployment.state_bucket,
        Key=lock_key,
        Body=json.dumps({"ID": "held-by-test", "Operation": "OperationTypeApply", "Who": "e2e"}).encode(),
    )
    try:
        result = terraform(
            deployment.workdir, "plan", "-lock-timeout=0s", env=deployment.env, timeout=120, ok_codes=(1,)
        )
        assert "Error acquiring the state lock" in result.output
        assert "held-by-test" in result.output
    finally:
        s3.delete_object(Bucket=deployment.state_bucket, Key=lock_key)


def test_state_bucket_is_versioned_encrypted_and_private(deployment: Deployment):
    s3 = deployment.client("s3")
    bucket = deployment.state_bucket
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("aws:kms", "AES256")
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }


def test_target_group_health_check(deployment: Deployment):
    elbv2 = deployment.client("elbv2")
    (group,) = elbv2.describe_target_groups(TargetGroupArns=[deployment.output("target_group_arn")])["TargetGroups"]
    assert group["TargetGroupName"] == "busyb-google-workspace"
    assert (group["TargetType"], group["Protocol"], group["Port"]) == ("ip", "HTTP", 8000)
    assert {
        "path": group["HealthCheckPath"],
        "protocol": group["HealthCheckProtocol"],
        "port": group["HealthCheckPort"],
        "interval": group["HealthCheckIntervalSeconds"],
        "timeout": group["HealthCheckTimeoutSeconds"],
        "healthy": group["HealthyThresholdCount"],
        "unhealthy": group["UnhealthyThresholdCount"],
        "matcher": group["Matcher"]["HttpCode"],
    } == {
        "path": "/health",
        "protocol": "HTTP",
        "port": "traffic-port",
        "interval": 30,
        "timeout": 5,
        "healthy": 2,
        "unhealthy": 3,
        "matcher": "200",
    }


def test_listener_rules_forward_prefix_and_discovery_paths(deployment: Deployment):
    elbv2 = deployment.client("elbv2")
    target_group = deployment.output("target_group_arn")
    rule_arns = [deployment.output("listener_rule_arn"), deployment.output("discovery_listener_rule_arn")]
    rules = {rule["RuleArn"]: rule for rule in elbv2.describe_rules(RuleArns=rule_arns)["Rules"]}
    prefix_rule, discovery_rule = (rules[arn] for arn in rule_arns)
    assert prefix_rule["Priority"] == "50"
    assert _path_patterns(prefix_rule) == {f"{PREFIX}/*"}
    assert discovery_rule["Priority"] == "51"
    assert _path_patterns(discovery_rule) == DISCOVERY_PATHS
    for rule in (prefix_rule, discovery_rule):
        (action,) = rule["Actions"]
        assert (action["Type"], action["TargetGroupArn"]) == ("forward", target_group)


def test_cloud_map_service_has_a_and_srv_records_ttl_60(deployment: Deployment):
    discovery = deployment.client("servicediscovery")
    service_id = deployment.output("discovery_service_arn").rsplit("/", 1)[-1]
    service = discovery.get_service(Id=service_id)["Service"]
    assert service["Name"] == "google-workspace"
    records = {(r["Type"], r["TTL"]) for r in service["DnsConfig"]["DnsRecords"]}
    assert records == {("A", 60), ("SRV", 60)}
    namespace_id = service.get("NamespaceId") or service["DnsConfig"]["NamespaceId"]
    namespace = discovery.get_namespace(Id=namespace_id)["Namespace"]
    assert (namespace["Name"], namespace["Type"]) == ("busyb.local", "DNS_PRIVATE")
    assert deployment.output("internal_mcp_url") == "http://google-workspace.busyb.local:8000/mcp"


def test_task_definition(deployment: Deployment):
    ecs = deployment.client("ecs")
    task = ecs.describe_task_definition(taskDefinition=deployment.output("task_definition_arn"))["taskDefinition"]
    assert task["family"] == "busyb-google-workspace-mcp"
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("512", "1024", "awsvpc")
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["taskRoleArn"].endswith(":role/busyb-google-workspace-mcp-task-role")
    assert task["executionRoleArn"] == deployment.output("execution_role_arn")
    (container,) = task["containerDefinitions"]
    assert [(p["containerPort"], p.get("protocol", "tcp")) for p in container["portMappings"]] == [(8000, "tcp")]
    assert container["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"],
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 60,
    }
    logs = container["logConfiguration"]
    assert logs["logDriver"] == "awslogs"
    assert logs["options"]["awslogs-group"] == "/ecs/busyb-google-workspace-mcp"
    assert logs["options"]["awslogs-region"] == "us-east-1"
    app_secret = deployment.output("app_secret_arn")
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert secrets == {
        **{key: f"{app_secret}:{key}::" for key in APP_SECRET_KEYS},
        "GOOGLE_MCP_CREDENTIALS_DIR": deployment.output("credentials_dir_secret_arn"),
    }
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert not set(environment) & set(secrets), "a secret is also a plain environment variable"
    assert {k: environment.get(k) for k in ("PORT", "WORKSPACE_MCP_PORT", "MCP_ENABLE_OAUTH21")} == {
        "PORT": "8000",
        "WORKSPACE_MCP_PORT": "8000",
        "MCP_ENABLE_OAUTH21": "true",
    }
    assert environment["WORKSPACE_MCP_BASE_URI"] == "http://google-workspace.busyb.local"
    assert environment["WORKSPACE_MCP_PATH_PREFIX"] == PREFIX
    (service,) = ecs.describe_services(
        cluster=deployment.output("cluster_arn"), services=[deployment.output("service_name")]
    )["services"]
    subnet_id = service["networkConfiguration"]["awsvpcConfiguration"]["subnets"][0]
    (subnet,) = deployment.client("ec2").describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    (vpc,) = deployment.client("ec2").describe_vpcs(VpcIds=[subnet["VpcId"]])["Vpcs"]
    assert environment["WORKSPACE_MCP_TRUSTED_PROXIES"] == vpc["CidrBlock"]  # the ALB's nodes
    assert container["user"] == "10001:10001"
    assert container["linuxParameters"]["capabilities"]["drop"] == ["ALL"]


def test_log_group_retention(deployment: Deployment):
    groups = deployment.client("logs").describe_log_groups(logGroupNamePrefix="/ecs/busyb-google-workspace-mcp")
    by_name = {group["logGroupName"]: group for group in groups["logGroups"]}
    assert by_name["/ecs/busyb-google-workspace-mcp"]["retentionInDays"] == 30
    # ECS Exec (on in local): the session transcripts, a year, encrypted with the stack's key.
    transcripts = by_name["/ecs/busyb-google-workspace-mcp/exec"]
    assert transcripts["retentionInDays"] == 365
    key = deployment.client("kms").describe_key(KeyId=transcripts["kmsKeyId"])["KeyMetadata"]
    assert key["KeyState"] == "Enabled"
    assert deployment.client("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    cluster = deployment.client("ecs").describe_clusters(clusters=[deployment.output("cluster_arn")])["clusters"][0]
    assert cluster["configuration"]["executeCommandConfiguration"] == {
        "kmsKeyId": key["Arn"],
        "logging": "OVERRIDE",
        "logConfiguration": {
            "cloudWatchLogGroupName": "/ecs/busyb-google-workspace-mcp/exec",
            "cloudWatchEncryptionEnabled": True,
        },
    }


def test_secrets_exist_without_values(deployment: Deployment):
    secretsmanager = deployment.client("secretsmanager")
    for output in ("app_secret_arn", "credentials_dir_secret_arn"):
        arn = deployment.output(output)
        assert secretsmanager.describe_secret(SecretId=arn)["ARN"] == arn
        with pytest.raises(ClientError) as error:
            secretsmanager.get_secret_value(SecretId=arn)
        assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "SecretString" not in deployment.state_text()


def test_ecs_service_settings(deployment: Deployment):
    ecs = deployment.client("ecs")
    (service,) = ecs.describe_services(
        cluster=deployment.output("cluster_arn"), services=[deployment.output("service_arn")]
    )["services"]
    assert service["serviceName"] == "busyb-google-workspace-mcp-service"
    assert service["clusterArn"].endswith(":cluster/busyb-cluster")
    assert service["taskDefinition"] == deployment.output("task_definition_arn")
    assert (service["desiredCount"], service["launchType"], service["platformVersion"]) == (1, "FARGATE", "LATEST")
    assert service["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }
    assert service["healthCheckGracePeriodSeconds"] == 60
    assert service["enableExecuteCommand"] is True
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert network["assignPublicIp"] == "DISABLED"
    assert len(network["subnets"]) == 2 and network["securityGroups"]
    assert [r["registryArn"] for r in service["serviceRegistries"]] == [deployment.output("discovery_service_arn")]
    (balancer,) = service["loadBalancers"]
    assert balancer["targetGroupArn"] == deployment.output("target_group_arn")
    assert balancer["containerPort"] == 8000


def test_subnets_are_private(deployment: Deployment):
    ecs, ec2 = deployment.client("ecs"), deployment.client("ec2")
    (service,) = ecs.describe_services(
        cluster=deployment.output("cluster_arn"), services=[deployment.output("service_arn")]
    )["services"]
    subnet_ids = service["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    for subnet in ec2.describe_subnets(SubnetIds=subnet_ids)["Subnets"]:
        assert subnet["MapPublicIpOnLaunch"] is False


def test_token_bucket_protections(deployment: Deployment):
    s3 = deployment.client("s3")
    bucket = deployment.output("token_bucket_name")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("aws:kms", "AES256")
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    tls_denials = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert tls_denials, f"no aws:SecureTransport deny in {policy}"
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert any(
        r["Status"] == "Enabled" and r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays", 0) > 0
        for r in lifecycle
    ), lifecycle
    assert deployment.output("token_store_uri").startswith(f"s3://{bucket}/")


def test_cpu_target_tracking_scaling(deployment: Deployment):
    scaling = deployment.client("application-autoscaling")
    resource_id = "service/busyb-cluster/busyb-google-workspace-mcp-service"
    (target,) = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource_id])["ScalableTargets"]
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    assert 1 <= target["MinCapacity"] <= target["MaxCapacity"]
    (policy,) = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource_id)["ScalingPolicies"]
    assert policy["PolicyType"] == "TargetTrackingScaling"
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    assert 0 < config["TargetValue"] <= 100
    tags = scaling.list_tags_for_resource(ResourceARN=target["ScalableTargetARN"])["Tags"]
    assert tags.get("Environment") == "local"


def test_alarms_exist(deployment: Deployment):
    alarms = deployment.client("cloudwatch").describe_alarms()["MetricAlarms"]
    metrics = {alarm.get("MetricName") for alarm in alarms}
    assert {"CPUUtilization", "MemoryUtilization", "HTTPCode_Target_5XX_Count", "UnHealthyHostCount"} <= metrics
    (running,) = [a for a in alarms if a["AlarmName"] == "busyb-google-workspace-mcp-service-running-tasks"]
    queries = {query["Id"]: query for query in running["Metrics"]}
    assert queries["missing"]["Expression"] == "desired - running"
    assert queries["running"]["MetricStat"]["Metric"]["MetricName"] == "RunningTaskCount"


def test_custom_domain(deployment: Deployment):
    route53, acm, elbv2 = (deployment.client(name) for name in ("route53", "acm", "elbv2"))
    (zone,) = [z for z in route53.list_hosted_zones()["HostedZones"] if z["Name"] == "busyb.test."]
    record_sets = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    records = {(r["Name"].rstrip(".").lower(), r["Type"]): r for r in record_sets}
    alias = records[("google-workspace.busyb.test", "A")]["AliasTarget"]
    (alb,) = elbv2.describe_load_balancers(Names=["busyb-alb"])["LoadBalancers"]
    assert alias["DNSName"].rstrip(".").lower() == alb["DNSName"].lower()
    # Issued only because its validation CNAME is in the zone (tests/fakes/moto_shim.py, gap 5).
    (certificate,) = [
        c for c in acm.list_certificates()["CertificateSummaryList"] if c["DomainName"] == "google-workspace.busyb.test"
    ]
    detail = acm.describe_certificate(CertificateArn=certificate["CertificateArn"])["Certificate"]
    assert detail["Status"] == "ISSUED"
    (option,) = detail["DomainValidationOptions"]
    assert (option["ResourceRecord"]["Name"].rstrip(".").lower(), "CNAME") in records
    rule_arns = [deployment.output("listener_rule_arn"), deployment.output("discovery_listener_rule_arn")]
    for rule in elbv2.describe_rules(RuleArns=rule_arns)["Rules"]:
        hosts = [c for c in rule["Conditions"] if c["Field"] == "host-header"]
        assert [h.get("Values") or h["HostHeaderConfig"]["Values"] for h in hosts] == [["google-workspace.busyb.test"]]
    assert deployment.output("external_mcp_url") == "http://google-workspace.busyb.test/google-workspace/mcp"
    assert (
        deployment.output("google_redirect_uri") == "http://google-workspace.busyb.test/google-workspace/auth/callback"
    )


def test_replan_shows_no_changes_after_autoscaling_moved_desired_count(deployment: Deployment):
    # Act as the scaler: Terraform must not fight the desired count once scaling is on.
    deployment.client("ecs").update_service(
        cluster=deployment.output("cluster_arn"), service=deployment.output("service_arn"), desiredCount=2
    )
    result = terraform(
        deployment.workdir, "plan", "-detailed-exitcode", env=deployment.env, timeout=180, ok_codes=(0, 2)
    )
    assert result.returncode == 0, f"drift after apply:\n{result.stdout[-8000:]}"


def test_runbook_commands_work_on_the_applied_stack(deployment: Deployment):
    # The tested blocks of docs/deployment.md and docs/operations.md (extracted by tests/infra/runbook.py).
    from tests.infra.runbook import run_tested_commands

    run_tested_commands(deployment.workdir, deployment.env)


def test_destroy_leaves_empty_state(deployment: Deployment):
    deployment.destroy()
    assert deployment.state_list() == []
    ecs = deployment.client("ecs")
    services = ecs.describe_services(
        cluster=deployment.output("cluster_arn"), services=[deployment.output("service_arn")]
    )
    assert all(s["status"] == "INACTIVE" for s in services.get("services", []))
    with pytest.raises(ClientError):
        deployment.client("s3").head_bucket(Bucket=deployment.output("token_bucket_name"))
