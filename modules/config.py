"""Typed settings for one environment: loading, defaults, validation.

An environment is one TOML file in ``environments/``; its stem is the environment
name. Every field below has a default equal to the reference deployment
(``deployment-spec.md``), so ``production.toml`` only states what it reuses and a new
environment states only what differs. Loading is pure Python (no CDKTF import), so a bad
file fails in milliseconds with ``<file>: <section.field>: <problem>``.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENVIRONMENTS_DIR_VARIABLE = "CDKTF_ENVIRONMENTS_DIR"
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
# Docker tag grammar (also enforced by the stack's `image_tag` Terraform variable).
IMAGE_TAG_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"
DEFAULT_LOCAL_ENDPOINT = "http://127.0.0.1:5000"

# Fargate task sizes AWS accepts: CPU units -> allowed memory (MiB).
FARGATE_SIZES: dict[int, range] = {
    256: range(512, 2048 + 1, 512),
    512: range(1024, 4096 + 1, 1024),
    1024: range(2048, 8192 + 1, 1024),
    2048: range(4096, 16384 + 1, 1024),
    4096: range(8192, 30720 + 1, 1024),
    8192: range(16384, 61440 + 1, 4096),
    16384: range(32768, 122880 + 1, 8192),
}
LOG_RETENTION_DAYS = (
    0,
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Variables the stack derives from other settings; setting them by hand would disagree.
DERIVED_VARIABLES = (
    "PORT",
    "WORKSPACE_MCP_PORT",
    "WORKSPACE_MCP_BASE_URI",
    "WORKSPACE_MCP_PATH_PREFIX",
    "WORKSPACE_MCP_PUBLIC_URL",
    "WORKSPACE_MCP_TOKEN_STORE",
    "WORKSPACE_MCP_TRUSTED_PROXIES",
    "WORKSPACE_MCP_INTERNAL_CLIENT_IDS",
    "GOOGLE_SEARCH_ENGINE_ID",
)
# Injected as ECS secrets; never allowed as plain environment variables.
SECRET_VARIABLES = (
    "GOOGLE_OAUTH_CLIENT_ID",
    "GOOGLE_OAUTH_CLIENT_SECRET",
    "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY",
    "GOOGLE_MCP_CREDENTIALS_DIR",
    "GOOGLE_SEARCH_API_KEY",
)


class ConfigError(ValueError):
    """A setting AWS or the server would reject, named by file and field."""

    def __init__(self, source: Path | str, field_path: str, message: str):
        self.source = str(source)
        self.field = field_path
        super().__init__(f"{self.source}: {field_path}: {message}")


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class AwsSettings:
    """Provider settings."""

    region: str = "us-east-1"
    #: Refuse to run against any other account (empty: no check).
    allowed_account_ids: tuple[str, ...] = ()
    #: Point the provider and the S3 backend at ``$AWS_ENDPOINT_URL`` (read at synthesis,
    #: default http://127.0.0.1:5000) with path-style S3 and no account/metadata lookups.
    endpoint_from_environment: bool = False
    #: Provider retry count; 0 keeps the provider default (25).
    max_retries: int = 0
    default_tags: dict[str, str] = field(
        default_factory=lambda: {"Project": "google-workspace-mcp", "ManagedBy": "cdktf"}
    )


@dataclass(frozen=True)
class NetworkSettings:
    """VPC, private subnets and the tasks' security group: reused by id, or created."""

    create: bool = False
    vpc_id: str = "vpc-0111b7630bcb61b61"
    subnet_ids: tuple[str, ...] = ("subnet-0d2d334cbe1467f4b", "subnet-0ae07f54c7454fe72")
    security_group_ids: tuple[str, ...] = ("sg-0ebf38ea0618aef2d",)
    assign_public_ip: bool = False
    #: Only when creating.
    vpc_cidr: str = "10.42.0.0/16"
    subnet_cidrs: tuple[str, ...] = ("10.42.1.0/24", "10.42.2.0/24")
    availability_zones: tuple[str, ...] = ("us-east-1a", "us-east-1b")
    #: Egress the tasks need (Google APIs, ECR, Secrets Manager over HTTPS).
    egress_cidr_blocks: tuple[str, ...] = ("0.0.0.0/0",)
    #: Only when creating: security groups of internal callers allowed to reach the task port
    #: directly (the Cloud Map URL); the ALB's group is always allowed.
    consumer_security_group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClusterSettings:
    """The ECS cluster: looked up by name, or created."""

    create: bool = False
    name: str = "busyb-cluster"
    container_insights: bool = True


@dataclass(frozen=True)
class LoadBalancerSettings:
    """The ALB and its listener: looked up (by name + port, or listener ARN), or created."""

    create: bool = False
    name: str = "busyb-alb"
    #: Reuse this listener directly instead of looking it up by ALB name and port.
    listener_arn: str = ""
    listener_port: int = 443
    listener_protocol: str = "HTTPS"
    #: Required when creating an HTTPS listener.
    certificate_arn: str = ""
    internal: bool = True
    #: Public base URL (scheme + host) clients use; default: the ALB's DNS name.
    public_base_url: str = ""
    ingress_cidr_blocks: tuple[str, ...] = ()


@dataclass(frozen=True)
class HealthCheckSettings:
    """Target group health check (AWS limits are validated)."""

    path: str = "/health"
    protocol: str = "HTTP"
    port: str = "traffic-port"
    interval: int = 30
    timeout: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    matcher: str = "200"


@dataclass(frozen=True)
class TargetGroupSettings:
    name: str = "busyb-google-workspace"
    port: int = 8000
    protocol: str = "HTTP"
    target_type: str = "ip"
    deregistration_delay: int = 300
    health_check: HealthCheckSettings = field(default_factory=HealthCheckSettings)


@dataclass(frozen=True)
class ListenerRuleSettings:
    priority: int = 50
    path_pattern: str = "/google-workspace/*"
    #: Second rule forwarding the RFC 8414 / RFC 9728 discovery paths of the prefix.
    discovery_rule: bool = True
    discovery_priority: int = 51


@dataclass(frozen=True)
class ServiceDiscoverySettings:
    """Cloud Map: namespace reused by id (or created), service created."""

    create_namespace: bool = False
    namespace_id: str = "ns-vt3hun37drrxdy7p"
    namespace_name: str = "busyb.local"
    service_name: str = "google-workspace"
    dns_ttl: int = 60
    record_types: tuple[str, ...] = ("A", "SRV")
    routing_policy: str = "MULTIVALUE"


@dataclass(frozen=True)
class ContainerHealthCheckSettings:
    """``curl -f http://localhost:<port><path> || exit 1`` in the container."""

    path: str = "/health"
    interval: int = 30
    timeout: int = 5
    retries: int = 3
    start_period: int = 60


@dataclass(frozen=True)
class TaskSettings:
    family: str = "busyb-google-workspace-mcp"
    cpu: int = 512
    memory: int = 1024
    container_name: str = "google-workspace-mcp"
    container_port: int = 8000
    image_repository: str = "758888582357.dkr.ecr.us-east-1.amazonaws.com/busyb-google-workspace-mcp"
    #: No default: every deploy names an immutable tag (``-var image_tag=<git sha>``); "latest" is refused.
    image_tag: str = ""
    #: Create the ECR repository of ``image_repository`` (immutable tags, scan on push), or
    #: reuse it: looked up, and the plan fails unless it has immutable tags and scan on push.
    create_image_repository: bool = False
    #: The container's user (uid:gid), the Dockerfile's ``USER``.
    user: str = "10001:10001"
    task_role_name: str = "busyb-google-workspace-mcp-task-role"
    #: Reuse an existing execution role (e.g. the account's ecsTaskExecutionRole) ...
    execution_role_arn: str = ""
    #: ... or create this dedicated least-privilege one.
    execution_role_name: str = "busyb-google-workspace-mcp-execution-role"
    readonly_root_filesystem: bool = False
    #: Plain environment variables added to the derived ones (PORT, base URI, prefix, ...).
    environment: dict[str, str] = field(
        default_factory=lambda: {
            "MCP_ENABLE_OAUTH21": "true",
            "MCP_SINGLE_USER_MODE": "0",
            "OAUTHLIB_INSECURE_TRANSPORT": "0",
        }
    )
    health_check: ContainerHealthCheckSettings = field(default_factory=ContainerHealthCheckSettings)


@dataclass(frozen=True)
class LogSettings:
    group_name: str = "/ecs/busyb-google-workspace-mcp"
    retention_in_days: int = 30
    kms_key_arn: str = ""
    stream_prefix: str = "ecs"


@dataclass(frozen=True)
class SecretSettings:
    """Secrets Manager: created WITHOUT values (put out of band), or existing ARNs."""

    #: JSON secret with GOOGLE_OAUTH_CLIENT_ID, GOOGLE_OAUTH_CLIENT_SECRET,
    #: WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY. Empty ARN: create it under ``app_secret_name``.
    app_secret_arn: str = ""
    app_secret_name: str = "busyb-google-workspace-mcp/google-oauth"
    #: Plain-string secret injected as GOOGLE_MCP_CREDENTIALS_DIR.
    credentials_dir_secret_arn: str = ""
    credentials_dir_secret_name: str = "busyb-google-workspace-mcp/credentials-dir"
    #: Customer-managed KMS key for created secrets (adds kms:Decrypt to the execution role).
    kms_key_arn: str = ""
    recovery_window_in_days: int = 7


@dataclass(frozen=True)
class CapacityProviderSettings:
    capacity_provider: str = "FARGATE_SPOT"
    weight: int = 1
    base: int = 0


@dataclass(frozen=True)
class ServiceSettings:
    name: str = "busyb-google-workspace-mcp-service"
    desired_count: int = 1
    platform_version: str = "LATEST"
    deployment_maximum_percent: int = 200
    deployment_minimum_healthy_percent: int = 100
    circuit_breaker_rollback: bool = True
    health_check_grace_period_seconds: int = 60
    #: ECS Exec, a break-glass shell: a session can read every injected secret. When on, the
    #: stack keeps a transcript of every session in an encrypted log group (see ``exec_*``).
    enable_execute_command: bool = False
    #: Log group of the ECS Exec session transcripts (only with enable_execute_command).
    exec_log_group_name: str = "/ecs/busyb-google-workspace-mcp/exec"
    exec_log_retention_in_days: int = 365
    #: KMS key of the sessions and their transcripts; empty: the stack creates one.
    exec_kms_key_arn: str = ""
    #: A reused cluster's executeCommandConfiguration cannot be managed here: set this to true
    #: once an operator applied the one in the ``exec_cluster_configuration`` output.
    exec_reused_cluster_configured: bool = False
    #: Empty: launch type FARGATE. E.g. FARGATE_SPOT for non-critical environments.
    capacity_provider_strategy: tuple[CapacityProviderSettings, ...] = ()


@dataclass(frozen=True)
class TokenBucketSettings:
    """S3 bucket where the server persists OAuth tokens (shared by all tasks)."""

    create: bool = True
    bucket_name: str = "busyb-google-workspace-mcp-tokens-758888582357"
    prefix: str = "tokens"
    #: Empty: SSE-S3 (AES256), or the stack's key with ``security.create_kms_key``; else SSE-KMS
    #: with this key. The bucket policy refuses uploads with any other encryption.
    kms_key_arn: str = ""
    noncurrent_version_expiration_days: int = 30
    force_destroy: bool = False


@dataclass(frozen=True)
class ScalingSettings:
    """CPU target tracking; once on, Terraform stops managing desired_count."""

    enabled: bool = True
    min_capacity: int = 1
    max_capacity: int = 4
    cpu_target: float = 70.0
    scale_in_cooldown: int = 300
    scale_out_cooldown: int = 60


@dataclass(frozen=True)
class AlarmSettings:
    enabled: bool = True
    #: Existing SNS topic for alarm actions ...
    sns_topic_arn: str = ""
    #: ... or create one with this name (empty: no actions unless an ARN is given), encrypted with
    #: its own KMS key that CloudWatch may use, and only this account's alarms may publish to it.
    create_sns_topic_name: str = ""
    #: Email addresses subscribed to the created topic (each confirms by the mail AWS sends it).
    email_subscriptions: tuple[str, ...] = ()
    #: Alarm when fewer tasks run than the service wants, from Container Insights (RunningTaskCount,
    #: DesiredTaskCount); it also notifies when those metrics stop arriving (Insights off on the cluster).
    running_tasks: bool = True
    period: int = 60
    evaluation_periods: int = 5
    cpu_threshold: float = 80.0
    memory_threshold: float = 80.0
    target_5xx_threshold: float = 10.0
    unhealthy_hosts_threshold: float = 1.0


@dataclass(frozen=True)
class DomainSettings:
    """A custom domain for the public endpoint: certificate, DNS alias, host-header rules, public URL.

    The domain serves the same path prefix as the ALB's DNS name
    (``https://<name>/google-workspace/mcp``): rules, server and OAuth metadata stay one layout.
    """

    #: The host clients use, e.g. google-workspace.busyb.ai; empty: no domain (the ALB's DNS name).
    name: str = ""
    #: The Route 53 hosted zone that holds ``name`` (alias record, certificate validation record) ...
    hosted_zone_id: str = ""
    #: ... or create a hosted zone of this name (``name`` must be in it), e.g. for a test environment.
    create_hosted_zone_name: str = ""
    #: An existing ACM certificate for ``name``; empty: request one, validated through the zone.
    certificate_arn: str = ""


@dataclass(frozen=True)
class EdgeSettings:
    """Protection of an ALB the stack creates (``load_balancer.create``). A shared ALB's WAF and
    access logs are its owner's decision, made where that ALB is managed."""

    #: A WAFv2 web ACL on the created ALB: AWS managed common and known-bad-inputs rule sets, plus a
    #: rate limit on the OAuth endpoints; its requests are logged to ``aws-waf-logs-<service name>``.
    waf: bool = False
    #: Requests per 5 minutes from one address to the OAuth endpoints before WAF blocks that address.
    waf_oauth_rate_limit: int = 300
    #: Access logs of the created ALB in this new private bucket (SSE-S3, the only encryption ALB
    #: log delivery supports); empty: no access logs.
    access_logs_bucket_name: str = ""
    #: Days an access log is kept.
    access_logs_expiration_days: int = 90


@dataclass(frozen=True)
class InternalCallerSettings:
    """Backends inside the VPC (the Core Agent) calling tools as their signed-in user (docs/deployment.md)."""

    #: OAuth client ids whose Google access tokens the internal route (the Cloud Map URL) accepts as
    #: the bearer (the server's WORKSPACE_MCP_INTERNAL_CLIENT_IDS); empty: the internal route takes
    #: only the server's own sign-ins, like the public one.
    client_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchSettings:
    """Google Programmable Search for the web search tool: the engine id here, its API key in the app secret."""

    #: The Programmable Search Engine id (the server's GOOGLE_SEARCH_ENGINE_ID); empty: no web search.
    #: When set, the app secret must hold the key GOOGLE_SEARCH_API_KEY too, or the task cannot start.
    engine_id: str = ""


@dataclass(frozen=True)
class StateSettings:
    """S3 backend (encrypt + native lockfile) and the bootstrap stack's bucket."""

    bucket: str = "busyb-terraform-state-758888582357"
    #: Empty: ``google-workspace-mcp/<environment>.tfstate``.
    key: str = ""
    kms_key_arn: str = ""
    noncurrent_version_expiration_days: int = 90
    force_destroy: bool = False


@dataclass(frozen=True)
class SecuritySettings:
    """Resource policies and the optional customer-managed KMS key."""

    #: Create one KMS key (rotated yearly) for the token bucket, the secrets and the log group;
    #: a ``kms_key_arn`` set in those sections wins.
    create_kms_key: bool = False
    #: Roles that, besides the task and execution roles, may read or write the token objects
    #: and the secret values (resource policies deny everyone else, administrators included).
    break_glass_role_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class PipelineSettings:
    """The ``<env>-pipeline`` stack: GitHub OIDC plan and deploy roles (applied by an administrator)."""

    #: ``owner/name`` of the GitHub repository whose workflows may assume the roles.
    github_repository: str = "busyb/google-workspace-mcp"
    #: GitHub environment (protected: branch main, required reviewers) the deploy role trusts.
    github_environment: str = ""
    #: Reuse the account's GitHub OIDC provider (one per account) instead of creating it.
    oidc_provider_arn: str = ""
    plan_role_name: str = "busyb-google-workspace-mcp-plan"
    deploy_role_name: str = "busyb-google-workspace-mcp-deploy"
    #: Managed policy every role or policy the deploy role creates or edits must carry.
    permissions_boundary_name: str = "busyb-google-workspace-mcp-boundary"


@dataclass(frozen=True)
class EnvironmentSettings:
    """One environment file, fully resolved."""

    name: str
    source: str
    aws: AwsSettings = field(default_factory=AwsSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    load_balancer: LoadBalancerSettings = field(default_factory=LoadBalancerSettings)
    target_group: TargetGroupSettings = field(default_factory=TargetGroupSettings)
    listener_rule: ListenerRuleSettings = field(default_factory=ListenerRuleSettings)
    service_discovery: ServiceDiscoverySettings = field(default_factory=ServiceDiscoverySettings)
    task: TaskSettings = field(default_factory=TaskSettings)
    logs: LogSettings = field(default_factory=LogSettings)
    secrets: SecretSettings = field(default_factory=SecretSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    token_bucket: TokenBucketSettings = field(default_factory=TokenBucketSettings)
    scaling: ScalingSettings = field(default_factory=ScalingSettings)
    alarms: AlarmSettings = field(default_factory=AlarmSettings)
    internal_callers: InternalCallerSettings = field(default_factory=InternalCallerSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    domain: DomainSettings = field(default_factory=DomainSettings)
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    state: StateSettings = field(default_factory=StateSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)

    # Derived values shared by several constructs.
    @property
    def path_prefix(self) -> str:
        """``/google-workspace/*`` -> ``/google-workspace``."""
        return self.listener_rule.path_pattern.removesuffix("/*")

    @property
    def discovery_host(self) -> str:
        return f"{self.service_discovery.service_name}.{self.service_discovery.namespace_name}"

    @property
    def internal_base_uri(self) -> str:
        return f"http://{self.discovery_host}"

    @property
    def internal_mcp_url(self) -> str:
        return f"{self.internal_base_uri}:{self.task.container_port}/mcp"

    @property
    def state_key(self) -> str:
        return self.state.key or f"google-workspace-mcp/{self.name}.tfstate"

    @property
    def github_environment(self) -> str:
        """The GitHub environment the deploy role trusts (default: the environment's name)."""
        return self.pipeline.github_environment or self.name

    @property
    def token_store_uri(self) -> str:
        return f"s3://{self.token_bucket.bucket_name}/{self.token_bucket.prefix}"

    def endpoint_url(self, environ: typing.Mapping[str, str] | None = None) -> str | None:
        """The emulated AWS endpoint (local), read from the environment at synthesis."""
        if not self.aws.endpoint_from_environment:
            return None
        environ = os.environ if environ is None else environ
        return environ.get(ENDPOINT_VARIABLE) or DEFAULT_LOCAL_ENDPOINT


# --------------------------------------------------------------------------- loading


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _convert(value: Any, tp: Any, where: str, source: str) -> Any:
    """Check ``value`` against the annotation ``tp`` and return the typed value."""
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(source, where, f"must be a table, got {value!r}")
        return _build(tp, value, where, source)
    if origin is tuple:
        item_type = typing.get_args(tp)[0]
        if not isinstance(value, list):
            raise ConfigError(source, where, f"must be a list, got {value!r}")
        return tuple(_convert(v, item_type, f"{where}[{i}]", source) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ConfigError(source, where, f"must be a table of strings, got {value!r}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(source, where, f"must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(source, where, f"must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(source, where, f"must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(source, where, f"must be a string, got {value!r}")
        return value
    raise TypeError(f"unsupported settings type {_type_name(tp)} at {where}")  # pragma: no cover


def _build(cls: type, data: dict[str, Any], prefix: str, file: str, **fixed: Any) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name not in fixed]
    kwargs: dict[str, Any] = dict(fixed)
    for key, value in data.items():
        where = f"{prefix}.{key}" if prefix else key
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(file, where, f"unknown key{hint}")
        kwargs[key] = _convert(value, hints[key], where, file)
    return cls(**kwargs)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_environment(path: Path) -> EnvironmentSettings:
    """Parse and validate one environment file."""
    source = _display(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source, "(file)", f"invalid TOML: {error}") from None
    settings = _build(EnvironmentSettings, data, "", source, name=path.stem, source=source)
    validate(settings)
    return settings


def environments_dir(root: Path) -> Path:
    override = os.environ.get(ENVIRONMENTS_DIR_VARIABLE)
    return Path(override) if override else root / "environments"


def load_environments(directory: Path) -> list[EnvironmentSettings]:
    """Every ``*.toml`` in ``directory``, sorted by name."""
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ConfigError(_display(directory), "(directory)", "no environment files (*.toml)")
    return [load_environment(path) for path in files]


# --------------------------------------------------------------------------- validation


def validate(s: EnvironmentSettings) -> None:
    """Raise ConfigError for the first setting AWS (or the server) would reject.

    The rules are declared once, in modules/validation.py, which also renders them as the
    Terraform module's variable validations: add a check there, not here.
    """
    from modules import validation  # imports this module's constants

    validation.check(s)
