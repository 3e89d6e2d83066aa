"""The local environment creates every prerequisite and talks to the emulated AWS."""

from __future__ import annotations

from tests.infra.tf_json import load


def test_creates_every_prerequisite(local):
    assert {
        "aws_vpc",
        "aws_subnet",
        "aws_security_group",
        "aws_default_security_group",
        "aws_lb",
        "aws_lb_listener",
        "aws_ecs_cluster",
        "aws_service_discovery_private_dns_namespace",
    } <= local.resource_types
    # Nothing reused is looked up; only the account id and region (trust and key policies).
    assert set(local.json.get("data", {})) <= {"aws_caller_identity", "aws_region"}
    subnets = local.resources("aws_subnet").values()
    assert sorted(s["availability_zone"] for s in subnets) == ["us-east-1a", "us-east-1b"]
    assert all(s["map_public_ip_on_launch"] is False for s in subnets)
    alb = local.one("aws_lb")
    assert alb["internal"] is True
    assert alb["name"] == "busyb-alb"
    assert len(alb["subnets"]) == 2
    listener = local.one("aws_lb_listener")
    assert (listener["port"], listener["protocol"]) == (80, "HTTP")
    assert local.one("aws_ecs_cluster")["name"] == "busyb-cluster"
    namespace = local.one("aws_service_discovery_private_dns_namespace")
    assert namespace["name"] == "busyb.local"
    assert namespace["vpc"] == "${aws_vpc.network_vpc.id}"
    assert local.one("aws_service_discovery_service")["dns_config"]["namespace_id"] == (
        "${aws_service_discovery_private_dns_namespace.discovery_namespace.id}"
    )


def test_wired_to_created_resources(local):
    service = local.one("aws_ecs_service")
    assert service["cluster"] == "${aws_ecs_cluster.cluster_cluster.arn}"
    assert service["network_configuration"] == {
        "subnets": ["${aws_subnet.network_private_0.id}", "${aws_subnet.network_private_1.id}"],
        "security_groups": ["${aws_security_group.network_tasks.id}"],
        "assign_public_ip": False,
    }
    for rule in local.resources("aws_lb_listener_rule").values():
        assert rule["listener_arn"] == "${aws_lb_listener.load_balancer_listener.arn}"
    environment = {e["name"]: local.resolve(e["value"]) for e in local.container()["environment"]}
    # The local environment's custom domain ([domain], its own hosted zone) is the public URL.
    assert environment["WORKSPACE_MCP_PUBLIC_URL"] == "http://google-workspace.busyb.test/google-workspace"
    # The server refuses an http:// public URL with OAuth unless told this is a test network.
    assert environment["OAUTHLIB_INSECURE_TRANSPORT"] == "1"
    # X-Forwarded-For is believed from the ALB's nodes only: the created VPC's CIDR.
    assert environment["WORKSPACE_MCP_TRUSTED_PROXIES"] == "10.42.0.0/16"
    assert (
        local.resolve(local.outputs["external_mcp_url"]["value"])
        == "http://google-workspace.busyb.test/google-workspace/mcp"
    )


def test_security_groups_are_narrow(local):
    groups = {g["name"]: g for g in local.resources("aws_security_group").values()}
    tasks = groups["busyb-google-workspace-mcp-service-tasks"]
    (ingress,) = tasks["ingress"]
    # The container port from the ALB's group only (and named internal callers), not the VPC CIDR.
    assert (ingress["from_port"], ingress["to_port"], ingress["cidr_blocks"]) == (8000, 8000, [])
    assert ingress["security_groups"] == ["${aws_security_group.network_alb.id}"]
    (egress,) = tasks["egress"]
    assert (egress["from_port"], egress["to_port"], egress["protocol"]) == (443, 443, "tcp")


def test_provider_and_backend_use_the_emulated_endpoint(local, moto, synth_dir):
    (provider,) = local.json["provider"]["aws"]
    (endpoints,) = provider["endpoints"]
    assert set(endpoints.values()) == {moto.endpoint}
    assert {"ecs", "elbv2", "servicediscovery", "applicationautoscaling", "s3", "iam", "sts"} <= set(endpoints)
    assert provider["s3_use_path_style"] is True
    assert provider["skip_credentials_validation"] is True
    assert provider["skip_requesting_account_id"] is True
    assert provider["max_retries"] == 2
    backend = local.json["terraform"]["backend"]["s3"]
    assert backend["endpoints"]["s3"] == moto.endpoint
    assert backend["use_path_style"] is True
    assert backend["use_lockfile"] is True
    assert backend["encrypt"] is True
    assert backend["key"] == "google-workspace-mcp/local.tfstate"
    (state_provider,) = load(synth_dir, "local-state").json["provider"]["aws"]
    assert state_provider["endpoints"] == provider["endpoints"]


def test_reference_values_kept(local, production):
    """Only prerequisites differ from production: the workload is the same."""
    for type_ in ("aws_lb_target_group", "aws_service_discovery_service"):
        ours, theirs = local.one(type_), production.one(type_)
        for key in ("name", "health_check", "port", "protocol"):
            assert ours.get(key) == theirs.get(key), (type_, key)
    assert local.container()["healthCheck"] == production.container()["healthCheck"]
    assert local.one("aws_ecs_task_definition")["cpu"] == "512"
