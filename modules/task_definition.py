"""The Fargate task definition; its container definition is built from typed fields."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from modules import aws
from modules.config import EnvironmentSettings, TaskSettings
from modules.derived import DerivedValues
from modules.symbolic import conditional, has_items, is_set, optional_items, symbolic, text, to_json

INTERNAL_CLIENT_IDS = "WORKSPACE_MCP_INTERNAL_CLIENT_IDS"
SEARCH_ENGINE_ID = "GOOGLE_SEARCH_ENGINE_ID"


@dataclass(frozen=True)
class ContainerHealthCheck:
    command: list[str]
    interval: int
    timeout: int
    retries: int
    startPeriod: int


@dataclass(frozen=True)
class ContainerDefinition:
    """The subset of the ECS ContainerDefinition this server needs (AWS field names)."""

    name: str
    image: str
    essential: bool
    portMappings: list[dict]
    #: ``[{name, value}]``; in the module a for expression (environment_list).
    environment: list[dict] | aws.IResolvable
    secrets: list[dict]
    logConfiguration: dict
    healthCheck: ContainerHealthCheck
    readonlyRootFilesystem: bool = False
    #: uid:gid, never root (the Dockerfile's USER; ECS would otherwise keep the image's).
    user: str = "10001:10001"
    # No Linux capability at all: the server binds an unprivileged port and needs none.
    linuxParameters: dict = field(
        default_factory=lambda: {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}
    )

    def to_json(self) -> str:
        return to_json([_as_dict(self)])


def _as_dict(value):
    # Like dataclasses.asdict, without deep-copying Terraform expressions (jsii objects).
    if dataclasses.is_dataclass(value):
        return {f.name: _as_dict(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def container_environment(settings: EnvironmentSettings, derived: DerivedValues) -> dict[str, str]:
    """Plain variables: the reference set, derived values, then the environment file's."""
    port = text(settings.task.container_port)
    return {
        "PORT": port,
        "WORKSPACE_MCP_PORT": port,
        "WORKSPACE_MCP_BASE_URI": derived.internal_base_uri,
        "WORKSPACE_MCP_PATH_PREFIX": derived.path_prefix,
        "WORKSPACE_MCP_PUBLIC_URL": derived.public_url,
        "WORKSPACE_MCP_TOKEN_STORE": derived.token_store_uri,
        "WORKSPACE_MCP_TRUSTED_PROXIES": derived.trusted_proxies,
        **internal_callers(settings),
        **web_search(settings),
        **settings.task.environment,
    }


def internal_callers(settings: EnvironmentSettings) -> dict[str, str]:
    """The server's allow-list of internal callers' OAuth clients, only when there is one."""
    ids = settings.internal_callers.client_ids
    return {INTERNAL_CLIENT_IDS: ",".join(ids)} if ids and not symbolic(ids) else {}


def web_search(settings: EnvironmentSettings) -> dict[str, str]:
    """The Programmable Search Engine id, only when web search is configured."""
    engine_id = settings.search.engine_id
    return {SEARCH_ENGINE_ID: engine_id} if engine_id and not symbolic(engine_id) else {}


def environment_list(settings: EnvironmentSettings, derived: DerivedValues) -> list[dict] | aws.IResolvable:
    """``[{name, value}]`` sorted by name; a for expression over ``merge()`` in the module."""
    if not symbolic(settings.task.environment):
        variables = container_environment(settings, derived)
        return [{"name": name, "value": value} for name, value in sorted(variables.items())]
    computed = container_environment(
        dataclasses.replace(settings, task=dataclasses.replace(settings.task, environment={})), derived
    )
    ids = settings.internal_callers.client_ids
    internal = conditional(has_items(ids), {INTERNAL_CLIENT_IDS: aws.Fn.join(",", ids)}, {}) if symbolic(ids) else {}
    engine_id = settings.search.engine_id
    search = conditional(is_set(engine_id), {SEARCH_ENGINE_ID: engine_id}, {}) if symbolic(engine_id) else {}
    merged = aws.Token.as_any_map(aws.Fn.merge([computed, internal, search, settings.task.environment]))
    # Terraform iterates a map in key order: sorted, like the stacks.
    return aws.TerraformIterator.from_map(merged).for_expression_for_list("{name = key, value = val}")


def secret_list(always: dict[str, str], optional: dict[str, tuple[object, str]]) -> list[dict]:
    """``[{name, valueFrom}]`` sorted by name; an optional one only where its flag holds."""
    items: list[tuple[object, str, str]] = [(True, name, ref) for name, ref in always.items()]
    items += [(flag, name, ref) for name, (flag, ref) in optional.items()]
    return optional_items(
        (flag, {"name": name, "valueFrom": ref}) for flag, name, ref in sorted(items, key=lambda item: item[1])
    )


def health_check_command(settings: EnvironmentSettings) -> list[str]:
    url = f"http://localhost:{text(settings.task.container_port)}{settings.task.health_check.path}"
    return ["CMD-SHELL", f"curl -f {url} || exit 1"]


def build_container_definition(
    settings: EnvironmentSettings,
    *,
    image: str,
    derived: DerivedValues,
    log_group_name: str,
    container_secrets: dict[str, str],
    optional_secrets: dict[str, tuple[object, str]] | None = None,
) -> ContainerDefinition:
    """``optional_secrets``: name -> (flag, valueFrom), injected only where the flag holds."""
    task = settings.task
    hc = task.health_check
    return ContainerDefinition(
        name=task.container_name,
        image=image,
        essential=True,
        portMappings=[{"containerPort": task.container_port, "hostPort": task.container_port, "protocol": "tcp"}],
        environment=environment_list(settings, derived),
        secrets=secret_list(container_secrets, optional_secrets or {}),
        logConfiguration={
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": settings.aws.region,
                "awslogs-stream-prefix": settings.logs.stream_prefix,
            },
        },
        healthCheck=ContainerHealthCheck(
            command=health_check_command(settings),
            interval=hc.interval,
            timeout=hc.timeout,
            retries=hc.retries,
            startPeriod=hc.start_period,
        ),
        readonlyRootFilesystem=task.readonly_root_filesystem,
        user=task.user,
    )


class TaskDefinition(aws.Construct):
    """Exposes ``task_definition``, ``arn`` and ``container`` (the typed definition)."""

    def __init__(
        self,
        scope: aws.Construct,
        id: str,
        task: TaskSettings,
        *,
        container: ContainerDefinition,
        execution_role_arn: str,
        task_role_arn: str,
    ):
        super().__init__(scope, id)
        self.container = container
        self.task_definition = aws.EcsTaskDefinition(
            self,
            "task-definition",
            family=task.family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=text(task.cpu),
            memory=text(task.memory),
            execution_role_arn=execution_role_arn,
            task_role_arn=task_role_arn,
            container_definitions=container.to_json(),
        )
        self.arn = self.task_definition.arn
