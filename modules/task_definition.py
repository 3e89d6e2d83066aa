"""The Fargate task definition; its container definition is built from typed fields."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from modules import aws
from modules.config import EnvironmentSettings


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
    environment: list[dict]
    secrets: list[dict]
    logConfiguration: dict
    healthCheck: ContainerHealthCheck
    readonlyRootFilesystem: bool = False
    linuxParameters: dict = field(default_factory=lambda: {"initProcessEnabled": True})

    def to_json(self) -> str:
        return json.dumps([asdict(self)])


def container_environment(settings: EnvironmentSettings, public_base_url: str) -> dict[str, str]:
    """Plain variables: the reference set, derived values, then the environment file's."""
    port = str(settings.task.container_port)
    return {
        "PORT": port,
        "WORKSPACE_MCP_PORT": port,
        "WORKSPACE_MCP_BASE_URI": settings.internal_base_uri,
        "WORKSPACE_MCP_PATH_PREFIX": settings.path_prefix,
        "WORKSPACE_MCP_PUBLIC_URL": f"{public_base_url}{settings.path_prefix}",
        "WORKSPACE_MCP_TOKEN_STORE": settings.token_store_uri,
        **settings.task.environment,
    }


def health_check_command(settings: EnvironmentSettings) -> list[str]:
    url = f"http://localhost:{settings.task.container_port}{settings.task.health_check.path}"
    return ["CMD-SHELL", f"curl -f {url} || exit 1"]


def build_container_definition(
    settings: EnvironmentSettings,
    *,
    image: str,
    public_base_url: str,
    log_group_name: str,
    container_secrets: dict[str, str],
) -> ContainerDefinition:
    task = settings.task
    hc = task.health_check
    return ContainerDefinition(
        name=task.container_name,
        image=image,
        essential=True,
        portMappings=[
            {"containerPort": task.container_port, "hostPort": task.container_port, "protocol": "tcp"}
        ],
        environment=[
            {"name": name, "value": value}
            for name, value in sorted(container_environment(settings, public_base_url).items())
        ],
        secrets=[{"name": name, "valueFrom": ref} for name, ref in sorted(container_secrets.items())],
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
    )


class TaskDefinition(aws.Construct):
    """Exposes ``task_definition``, ``arn`` and ``container`` (the typed definition)."""

    def __init__(
        self,
        scope: aws.Construct,
        id: str,
        settings: EnvironmentSettings,
        *,
        container: ContainerDefinition,
        execution_role_arn: str,
        task_role_arn: str,
    ):
        super().__init__(scope, id)
        task = settings.task
        self.container = container
        self.task_definition = aws.EcsTaskDefinition(
            self,
            "task-definition",
            family=task.family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(task.cpu),
            memory=str(task.memory),
            execution_role_arn=execution_role_arn,
            task_role_arn=task_role_arn,
            container_definitions=container.to_json(),
        )
        self.arn = self.task_definition.arn
