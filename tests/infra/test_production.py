"""The production stack reproduces the reference deployment value for value
(../shared/reference/deployment-spec.md), over the synthesized JSON."""

from __future__ import annotations

import json

from tests.infra.tf_json import as_list, statements

APP_SECRET = "${aws_secretsmanager_secret.secrets_app.arn}"
CREDENTIALS_SECRET = "${aws_secretsmanager_secret.secrets_credentials_dir.arn}"


def test_reused_resources_are_looked_up_or_passed_not_created(production):
    assert production.resource_types.isdisjoint(
        {
            "aws_vpc",
            "aws_subnet",
            "aws_security_group",
            "aws_lb",
            "aws_lb_listener",
            "aws_ecs_cluster",
            "aws_service_discovery_private_dns_namespace",
            "aws_secretsmanager_secret_version",
        }
    )
    (cluster,) = production.data("aws_ecs_cluster").values()
    assert cluster["cluster_name"] == "busyb-cluster"
    (alb,) = production.data("aws_lb").values()
    assert alb["name"] == "busyb-alb"
    (listener,) = production.data("aws_lb_listener").values()
    assert listener["port"] == 443
    assert listener["load_balancer_arn"].startswith("${data.aws_lb.")


def test_target_group(production):
    tg = production.one("aws_lb_target_group")
    assert (tg["name"], tg["target_type"], tg["protocol"], tg["port"]) == ("busyb-google-workspace", "ip", "HTTP", 8000)
    assert tg["vpc_id"] == "vpc-0111b7630bcb61b61"
    assert tg["health_check"] == {
        "enabled": True,
        "path": "/health",
        "protocol": "HTTP",
        "port": "traffic-port",
        "interval": 30,
        "timeout": 5,
        "healthy_threshold": 2,
        "unhealthy_threshold": 3,
        "matcher": "200",
    }


def test_listener_rules(production):
    rules = production.resources("aws_lb_listener_rule")
    by_priority = {rule["priority"]: rule for rule in rules.values()}
    assert set(by_priority) == {50, 51}
    forward = [{"type": "forward", "target_group_arn": "${aws_lb_target_group.load_balancer_target_group.arn}"}]
    for rule in by_priority.values():
        assert rule["action"] == forward
        assert rule["listener_arn"] == "${data.aws_lb_listener.load_balancer_listener_lookup.arn}"
    assert by_priority[50]["condition"] == [{"path_pattern": {"values": ["/google-workspace/*"]}}]
    assert by_priority[51]["condition"] == [
        {
            "path_pattern": {
                "values": [
                    "/.well-known/oauth-authorization-server/google-workspace",
                    "/.well-known/openid-configuration/google-workspace",
                    "/.well-known/oauth-protected-resource/google-workspace/*",
                    "/google-workspace",
                ]
            }
        }
    ]


def test_cloud_map_service(production):
    service = production.one("aws_service_discovery_service")
    assert service["name"] == "google-workspace"
    assert service["dns_config"] == {
        "namespace_id": "ns-vt3hun37drrxdy7p",
        "routing_policy": "MULTIVALUE",
        "dns_records": [{"type": "A", "ttl": 60}, {"type": "SRV", "ttl": 60}],
    }


def test_task_definition(production):
    task = production.one("aws_ecs_task_definition")
    assert task["family"] == "busyb-google-workspace-mcp"
    assert task["requires_compatibilities"] == ["FARGATE"]
    assert task["network_mode"] == "awsvpc"
    assert (task["cpu"], task["memory"]) == ("512", "1024")
    assert task["task_role_arn"] == "${aws_iam_role.iam_task_role.arn}"
    assert task["execution_role_arn"] == "${aws_iam_role.iam_execution_role.arn}"
    roles = {r["name"] for r in production.resources("aws_iam_role").values()}
    assert "busyb-google-workspace-mcp-task-role" in roles


def test_container_definition(production):
    container = production.container()
    assert (
        container["image"] == "758888582357.dkr.ecr.us-east-1.amazonaws.com/busyb-google-workspace-mcp:${var.image_tag}"
    )
    assert container["essential"] is True
    assert container["portMappings"] == [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}]
    environment = {item["name"]: production.resolve(item["value"]) for item in container["environment"]}
    assert environment == {
        "PORT": "8000",
        "WORKSPACE_MCP_PORT": "8000",
        "WORKSPACE_MCP_BASE_URI": "http://google-workspace.busyb.local",
        "MCP_ENABLE_OAUTH21": "true",
        "MCP_SINGLE_USER_MODE": "0",
        "OAUTHLIB_INSECURE_TRANSPORT": "0",
        "WORKSPACE_MCP_PATH_PREFIX": "/google-workspace",
        "WORKSPACE_MCP_PUBLIC_URL": "https://${data.aws_lb.load_balancer_lookup.dns_name}/google-workspace",
        "WORKSPACE_MCP_TOKEN_STORE": "s3://busyb-google-workspace-mcp-tokens-758888582357/tokens",
        # The ALB's nodes: the reused VPC's CIDR, looked up by its id.
        "WORKSPACE_MCP_TRUSTED_PROXIES": "${data.aws_vpc.network_existing_vpc.cidr_block}",
    }
    assert production.data("aws_vpc") == {
        "network_existing_vpc": {**production.data("aws_vpc")["network_existing_vpc"], "id": "vpc-0111b7630bcb61b61"}
    }
    secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
    assert secrets == {
        "GOOGLE_OAUTH_CLIENT_ID": f"{APP_SECRET}:GOOGLE_OAUTH_CLIENT_ID::",
        "GOOGLE_OAUTH_CLIENT_SECRET": f"{APP_SECRET}:GOOGLE_OAUTH_CLIENT_SECRET::",
        "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY": f"{APP_SECRET}:WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY::",
        "GOOGLE_MCP_CREDENTIALS_DIR": CREDENTIALS_SECRET,
    }
    assert set(environment).isdisjoint(secrets)
    assert container["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "${aws_cloudwatch_log_group.logs_group.name}",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "ecs",
        },
    }
    assert container["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"],
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 60,
    }


def test_image_tag_is_a_deploy_input(production):
    """No default (the reference ran :latest): every deploy passes `-var image_tag=<git sha>`."""
    variable = production.json["variable"]["image_tag"]
    assert "default" not in variable
    assert variable["type"] == "string"
    (validation,) = variable["validation"]
    assert "var.image_tag" in validation["condition"]
    assert production.outputs["image"]["value"].endswith(":${var.image_tag}")


def test_log_group(production):
    group = production.resources("aws_cloudwatch_log_group")["logs_group"]
    assert group["name"] == "/ecs/busyb-google-workspace-mcp"
    assert group["retention_in_days"] == 30


def test_secrets_have_no_values_in_terraform(production):
    secrets = production.resources("aws_secretsmanager_secret")
    assert {s["name"] for s in secrets.values()} == {
        "busyb-google-workspace-mcp/google-oauth",
        "busyb-google-workspace-mcp/credentials-dir",
    }
    text = json.dumps(production.json)
    assert "aws_secretsmanager_secret_version" not in text
    assert "secret_string" not in text


def test_service(production):
    service = production.one("aws_ecs_service")
    assert service["name"] == "busyb-google-workspace-mcp-service"
    assert service["cluster"] == "${data.aws_ecs_cluster.cluster_lookup.arn}"
    assert service["task_definition"] == "${aws_ecs_task_definition.task_task_definition.arn}"
    assert service["desired_count"] == 1
    assert service["launch_type"] == "FARGATE"
    assert "capacity_provider_strategy" not in service
    assert service["platform_version"] == "LATEST"
    assert service["network_configuration"] == {
        "subnets": ["subnet-0d2d334cbe1467f4b", "subnet-0ae07f54c7454fe72"],
        "security_groups": ["sg-0ebf38ea0618aef2d"],
        "assign_public_ip": False,
    }
    assert service["deployment_maximum_percent"] == 200
    assert service["deployment_minimum_healthy_percent"] == 100
    assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert service["health_check_grace_period_seconds"] == 60
    assert service["enable_execute_command"] is True
    assert service["load_balancer"] == [
        {
            "target_group_arn": "${aws_lb_target_group.load_balancer_target_group.arn}",
            "container_name": "google-workspace-mcp",
            "container_port": 8000,
        }
    ]
    assert service["service_registries"] == {
        "registry_arn": "${aws_service_discovery_service.discovery_service.arn}",
        "container_name": "google-workspace-mcp",
        "container_port": 8000,
    }
    # Scaling is on: Terraform must not fight the scaler over the task count.
    assert service["lifecycle"] == {"ignore_changes": ["desired_count"]}
    assert set(service["depends_on"]) == {
        "aws_lb_listener_rule.load_balancer_rule",
        "aws_lb_listener_rule.load_balancer_discovery_rule",
    }


def test_auto_scaling(production):
    target = production.one("aws_appautoscaling_target")
    assert target["resource_id"] == "service/busyb-cluster/busyb-google-workspace-mcp-service"
    assert target["scalable_dimension"] == "ecs:service:DesiredCount"
    assert (target["min_capacity"], target["max_capacity"]) == (1, 4)
    policy = production.one("aws_appautoscaling_policy")
    assert policy["policy_type"] == "TargetTrackingScaling"
    config = policy["target_tracking_scaling_policy_configuration"]
    assert config["target_value"] == 70
    assert config["predefined_metric_specification"] == {"predefined_metric_type": "ECSServiceAverageCPUUtilization"}


def test_alarms(production):
    # The running-tasks alarm is a metric math expression: tests/infra/test_edge_options.py.
    alarms = {
        a["metric_name"]: a for a in production.resources("aws_cloudwatch_metric_alarm").values() if "metric_name" in a
    }
    assert set(alarms) == {"CPUUtilization", "MemoryUtilization", "HTTPCode_Target_5XX_Count", "UnHealthyHostCount"}
    service_dimensions = {"ClusterName": "busyb-cluster", "ServiceName": "busyb-google-workspace-mcp-service"}
    assert alarms["CPUUtilization"]["dimensions"] == service_dimensions
    assert alarms["MemoryUtilization"]["dimensions"] == service_dimensions
    assert alarms["UnHealthyHostCount"]["dimensions"] == {
        "TargetGroup": "${aws_lb_target_group.load_balancer_target_group.arn_suffix}",
        "LoadBalancer": "${data.aws_lb.load_balancer_lookup.arn_suffix}",
    }
    # No topic configured: alarms without actions.
    assert all(alarm["alarm_actions"] == [] for alarm in alarms.values())


def test_token_bucket_protections(production):
    check_private_bucket(production, "busyb-google-workspace-mcp-tokens-758888582357", noncurrent_days=30)


def check_private_bucket(stack, name: str, noncurrent_days: int) -> None:
    ((address, bucket),) = [(k, v) for k, v in stack.resources("aws_s3_bucket").items() if v["bucket"] == name]
    ref = f"${{aws_s3_bucket.{address}.id}}"

    def attached(type_: str) -> dict:
        (found,) = [r for r in stack.resources(type_).values() if r["bucket"] == ref]
        return found

    assert attached("aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}
    (rule,) = attached("aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule["apply_server_side_encryption_by_default"]["sse_algorithm"] in {"AES256", "aws:kms"}
    block = attached("aws_s3_bucket_public_access_block")
    assert all(
        block[key] is True
        for key in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert attached("aws_s3_bucket_ownership_controls")["rule"] == {"object_ownership": "BucketOwnerEnforced"}
    (lifecycle,) = attached("aws_s3_bucket_lifecycle_configuration")["rule"]
    assert lifecycle["status"] == "Enabled"
    assert lifecycle["noncurrent_version_expiration"] == [{"noncurrent_days": noncurrent_days}]
    assert lifecycle["expiration"] == [{"expired_object_delete_marker": True}]
    deny = statements(json.loads(attached("aws_s3_bucket_policy")["policy"]))[0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    arn = f"${{aws_s3_bucket.{address}.arn}}"
    assert as_list(deny["Resource"]) == [arn, f"{arn}/*"]


def test_backend_and_provider(production):
    terraform = production.json["terraform"]
    assert terraform["backend"] == {
        "s3": {
            "bucket": "busyb-terraform-state-758888582357",
            "key": "google-workspace-mcp/production.tfstate",
            "region": "us-east-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }
    assert terraform["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": ">= 5.100.0, < 7.0.0"}
    (provider,) = production.json["provider"]["aws"]
    assert provider["region"] == "us-east-1"
    assert provider["allowed_account_ids"] == ["758888582357"]
    assert "endpoints" not in provider


def test_state_bootstrap_stack(synth_dir):
    from tests.infra.tf_json import load

    state = load(synth_dir, "production-state")
    assert "local" in state.json["terraform"]["backend"]
    assert state.json["terraform"]["backend"]["local"]["path"] == "terraform.production-state.tfstate"
    check_private_bucket(state, "busyb-terraform-state-758888582357", noncurrent_days=90)
    assert set(state.outputs) == {"state_bucket", "state_bucket_arn"}


def test_outputs_inventory(production):
    outputs = {name: production.resolve(output["value"]) for name, output in production.outputs.items()}
    assert outputs["internal_mcp_url"] == "http://google-workspace.busyb.local:8000/mcp"
    assert outputs["external_mcp_url"] == "https://${data.aws_lb.load_balancer_lookup.dns_name}/google-workspace/mcp"
    assert outputs["service_name"] == "${aws_ecs_service.service_service.name}"
    assert outputs["service_arn"] == "${aws_ecs_service.service_service.id}"
    assert outputs["task_definition_arn"] == "${aws_ecs_task_definition.task_task_definition.arn}"
    assert outputs["target_group_arn"] == "${aws_lb_target_group.load_balancer_target_group.arn}"
    assert outputs["listener_rule_arn"] == "${aws_lb_listener_rule.load_balancer_rule.arn}"
    assert outputs["discovery_listener_rule_arn"] == "${aws_lb_listener_rule.load_balancer_discovery_rule.arn}"
    assert outputs["discovery_service_arn"] == "${aws_service_discovery_service.discovery_service.arn}"
    assert outputs["log_group_name"] == "${aws_cloudwatch_log_group.logs_group.name}"
    assert outputs["token_bucket_name"] == "${aws_s3_bucket.token_bucket_bucket_bucket.bucket}"
    assert outputs["app_secret_arn"] == APP_SECRET
    assert outputs["credentials_dir_secret_arn"] == CREDENTIALS_SECRET
    assert all(output.get("description") for output in production.outputs.values())
