"""Environment files: loading and every validation error (pure Python, no synthesis)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from modules.config import (
    DEFAULT_LOCAL_ENDPOINT,
    ConfigError,
    load_environment,
    load_environments,
)

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "staging") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def test_repository_environments_load():
    environments = {env.name: env for env in load_environments(ROOT / "environments")}
    assert {"production", "local"} <= set(environments)
    production = environments["production"]
    assert production.internal_mcp_url == "http://google-workspace.busyb.local:8000/mcp"
    assert production.path_prefix == "/google-workspace"
    assert production.state_key == "google-workspace-mcp/production.tfstate"
    assert production.endpoint_url() is None


def test_empty_file_is_the_reference(tmp_path):
    """Every default is the reference deployment, so production.toml restates defaults only."""
    empty = load_environment(write(tmp_path, "", name="production"))
    production = load_environment(ROOT / "environments" / "production.toml")
    assert production.network == empty.network
    assert production.task == empty.task
    assert production.target_group == empty.target_group
    assert production.listener_rule == empty.listener_rule
    assert production.service_discovery == empty.service_discovery
    # ECS Exec is off by default; the reference keeps it on as a documented break-glass choice.
    assert production.service == dataclasses.replace(
        empty.service, enable_execute_command=True, exec_reused_cluster_configured=True
    )
    assert production.logs == empty.logs


def test_local_endpoint_comes_from_the_environment():
    local = load_environment(ROOT / "environments" / "local.toml")
    assert local.endpoint_url({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}) == "http://127.0.0.1:4566"
    assert local.endpoint_url({}) == DEFAULT_LOCAL_ENDPOINT


INVALID = [
    # Fargate CPU/memory pairs AWS rejects
    ("[task]\ncpu = 512\nmemory = 512\n", "task.memory", "does not accept 512 MiB with 512 CPU units"),
    ("[task]\ncpu = 256\nmemory = 4096\n", "task.memory", "allowed: 512-2048"),
    ("[task]\ncpu = 300\n", "task.cpu", "must be one of 256, 512"),
    # target group names over 32 characters
    ('[target_group]\nname = "busyb-google-workspace-mcp-target-group"\n', "target_group.name", "1-32 characters"),
    ('[target_group]\nname = "-busyb"\n', "target_group.name", "letters, digits and hyphens"),
    # listener priority outside 1-50000
    ("[listener_rule]\npriority = 0\n", "listener_rule.priority", "between 1 and 50000"),
    ("[listener_rule]\npriority = 50001\n", "listener_rule.priority", "between 1 and 50000"),
    ("[listener_rule]\ndiscovery_priority = 50\n", "listener_rule.discovery_priority", "must differ"),
    # ports outside 1-65535
    ("[task]\ncontainer_port = 70000\n", "task.container_port", "between 1 and 65535"),
    ("[target_group]\nport = 0\n", "target_group.port", "between 1 and 65535"),
    ("[load_balancer]\nlistener_port = 65536\n", "load_balancer.listener_port", "between 1 and 65535"),
    ('[target_group.health_check]\nport = "99999"\n', "target_group.health_check.port", "between 1 and 65535"),
    # TTL below 0
    ("[service_discovery]\ndns_ttl = -1\n", "service_discovery.dns_ttl", "0 or more"),
    # health-check thresholds outside AWS limits
    ("[target_group.health_check]\ninterval = 301\n", "target_group.health_check.interval", "between 5 and 300"),
    ("[target_group.health_check]\ntimeout = 1\n", "target_group.health_check.timeout", "between 2 and 120"),
    ("[target_group.health_check]\ntimeout = 30\n", "target_group.health_check.timeout", "less than interval"),
    (
        "[target_group.health_check]\nhealthy_threshold = 11\n",
        "target_group.health_check.healthy_threshold",
        "between 2 and 10",
    ),
    (
        "[target_group.health_check]\nunhealthy_threshold = 1\n",
        "target_group.health_check.unhealthy_threshold",
        "between 2 and 10",
    ),
    ('[target_group.health_check]\nmatcher = "ok"\n', "target_group.health_check.matcher", "HTTP codes"),
    ("[task.health_check]\nretries = 11\n", "task.health_check.retries", "between 1 and 10"),
    ("[task.health_check]\nstart_period = 301\n", "task.health_check.start_period", "between 0 and 300"),
    # path patterns without a leading /
    ('[listener_rule]\npath_pattern = "google-workspace/*"\n', "listener_rule.path_pattern", "must start with '/'"),
    ('[listener_rule]\npath_pattern = "/google-workspace"\n', "listener_rule.path_pattern", "'/<prefix>/*'"),
    ('[target_group.health_check]\npath = "health"\n', "target_group.health_check.path", "must start with '/'"),
    # no subnets while not creating the network
    ("[network]\ncreate = false\nsubnet_ids = []\n", "network.subnet_ids", "names no subnets"),
    ("[network]\nsecurity_group_ids = []\n", "network.security_group_ids", "names no security group"),
    # unknown keys (typos) and wrong types
    ("[task]\ncpus = 512\n", "task.cpus", "unknown key (did you mean 'cpu'?)"),
    ("[tasks]\ncpu = 512\n", "tasks", "unknown key (did you mean 'task'?)"),
    ('name = "x"\n', "name", "unknown key"),
    ('[task]\ncpu = "512"\n', "task.cpu", "must be an integer"),
    ('[network]\nsubnet_ids = "subnet-1"\n', "network.subnet_ids", "must be a list"),
    # server variables the stack derives or injects as secrets
    ('[task.environment]\nPORT = "9000"\n', "task.environment.PORT", "derived by the stack"),
    (
        '[task.environment]\nGOOGLE_OAUTH_CLIENT_SECRET = "x"\n',
        "task.environment.GOOGLE_OAUTH_CLIENT_SECRET",
        "is a secret",
    ),
    # other settings AWS rejects
    ("[logs]\nretention_in_days = 31\n", "logs.retention_in_days", "must be one of"),
    ("[scaling]\nmin_capacity = 3\nmax_capacity = 2\n", "scaling.max_capacity", "at least scaling.min_capacity"),
    ("[service]\ndeployment_maximum_percent = 250\n", "service.deployment_maximum_percent", "between 100 and 200"),
    (
        '[[service.capacity_provider_strategy]]\ncapacity_provider = "SPOT"\n',
        "service.capacity_provider_strategy[0].capacity_provider",
        "FARGATE_SPOT",
    ),
    (
        '[alarms]\nsns_topic_arn = "arn:aws:sns:us-east-1:1:t"\ncreate_sns_topic_name = "t"\n',
        "alarms.create_sns_topic_name",
        "conflicts",
    ),
    ("[load_balancer]\ncreate = true\n", "load_balancer.certificate_arn", "HTTPS listener"),
    ('[token_bucket]\nbucket_name = "Tokens_Bucket"\n', "token_bucket.bucket_name", "not a valid S3 bucket name"),
    ('[task]\nimage_tag = "bad tag"\n', "task.image_tag", "not a valid image tag"),
]


@pytest.mark.parametrize(("text", "field", "message"), INVALID, ids=[case[1] for case in INVALID])
def test_invalid_setting_names_file_and_field(tmp_path, text, field, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_environment(path)
    error = caught.value
    assert error.field == field
    assert message in str(error)
    assert str(error).startswith(f"{path}: {field}: ")


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, "[task\ncpu = 1\n")
    with pytest.raises(ConfigError, match="invalid TOML") as caught:
        load_environment(path)
    assert caught.value.source == str(path)


def test_empty_directory_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="no environment files"):
        load_environments(tmp_path)


def test_main_fails_fast_naming_file_and_field(tmp_path):
    """``python main.py`` validates every file before the provider binding loads."""
    write(tmp_path, "[task]\ncpu = 512\nmemory = 512\n", name="broken")
    write(tmp_path, "", name="fine")
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=ROOT,
        env={"CDKTF_ENVIRONMENTS_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "CDKTF_OUTDIR": str(tmp_path / "out")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert f"{tmp_path / 'broken.toml'}: task.memory: Fargate does not accept 512 MiB" in result.stderr
    assert not (tmp_path / "out").exists()


def test_configuration_does_not_import_the_binding():
    code = "import sys, main, modules.config; sys.exit('cdktf' in sys.modules or 'jsii' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
