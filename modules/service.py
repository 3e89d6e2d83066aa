"""The ECS service: rolling 200/100 with circuit-breaker rollback, ECS Exec, private
networking, wired to the ALB target group and the Cloud Map registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules import aws
from modules.config import EnvironmentSettings, ServiceSettings
from modules.symbolic import choose_string, count, count_unless, every, has_items, null, symbolic, unless, when


@dataclass(frozen=True)
class ServiceProps:
    """What the service reads: its section, the container the load balancer and Cloud Map reach, and
    whether scaling owns the task count."""

    service: ServiceSettings
    container_name: str
    container_port: int
    #: ``network.assign_public_ip`` (only for subnets without a NAT route; the reference is private).
    assign_public_ip: bool = False
    #: ``scaling.enabled``: Terraform then leaves ``desired_count`` to the scaling policy.
    scaled: Any = True

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> ServiceProps:
        task = settings.task
        return cls(
            settings.service,
            task.container_name,
            task.container_port,
            settings.network.assign_public_ip,
            settings.scaling.enabled,
        )


class Service(aws.Construct):
    """Exposes ``service``, ``name`` and ``arn`` (the service id is its ARN)."""

    def __init__(
        self,
        scope: aws.Construct,
        id: str,
        props: ServiceProps,
        *,
        cluster_arn: str,
        task_definition_arn: str,
        subnet_ids: list[str],
        security_group_ids: list[str],
        target_group_arn: str,
        registry_arn: str,
        depends_on: list,
    ):
        super().__init__(scope, id)
        svc = props.service
        spot = has_items(svc.capacity_provider_strategy)
        strategy: aws.IResolvable | list[dict[str, Any]] | None
        if symbolic(svc.capacity_provider_strategy):
            # In the module the setting is a list expression, which is what the iterator takes.
            strategies = aws.TerraformIterator.from_list(aws.Token.as_any(svc.capacity_provider_strategy))
            strategy = strategies.dynamic(
                {
                    "capacity_provider": strategies.get_string("capacity_provider"),
                    "weight": strategies.get_number("weight"),
                    "base": strategies.get_number("base"),
                }
            )
        else:
            strategy = (
                aws.blocks(
                    *(
                        {"capacity_provider": s.capacity_provider, "weight": s.weight, "base": s.base}
                        for s in svc.capacity_provider_strategy
                    )
                )
                or None
            )
        arguments: dict[str, Any] = dict(
            name=svc.name,
            cluster=cluster_arn,
            task_definition=task_definition_arn,
            desired_count=svc.desired_count,
            # A capacity provider strategy and a launch type are mutually exclusive.
            launch_type=choose_string(spot, null, lambda: "FARGATE"),
            capacity_provider_strategy=strategy,
            platform_version=svc.platform_version,
            network_configuration={
                "subnets": subnet_ids,
                "security_groups": security_group_ids,
                "assign_public_ip": props.assign_public_ip,
            },
            deployment_maximum_percent=svc.deployment_maximum_percent,
            deployment_minimum_healthy_percent=svc.deployment_minimum_healthy_percent,
            deployment_circuit_breaker={"enable": True, "rollback": svc.circuit_breaker_rollback},
            deployment_controller={"type": "ECS"},
            health_check_grace_period_seconds=svc.health_check_grace_period_seconds,
            enable_execute_command=svc.enable_execute_command,
            load_balancer=aws.blocks(
                {
                    "target_group_arn": target_group_arn,
                    "container_name": props.container_name,
                    "container_port": props.container_port,
                }
            ),
            # awsvpc + SRV records need the container name and port.
            service_registries={
                "registry_arn": registry_arn,
                "container_name": props.container_name,
                "container_port": props.container_port,
            },
            propagate_tags="SERVICE",
            # The target group must be attached to the listener before the service uses it.
            depends_on=depends_on,
        )
        # Scaling owns the task count once it is on; Terraform must not reset it. A
        # lifecycle cannot depend on a variable, so the module declares both forms.
        scaled = props.scaled
        self.services = []
        if when(scaled):
            self.service = aws.EcsService(
                self, "service", count=count(scaled), lifecycle={"ignore_changes": ["desired_count"]}, **arguments
            )
            self.services.append(self.service)
        if unless(scaled):
            fixed = aws.EcsService(
                self, "service-fixed" if symbolic(scaled) else "service", count=count_unless(scaled), **arguments
            )
            self.services.append(fixed)
            if not symbolic(scaled):
                self.service = fixed
        if symbolic(scaled):
            self.name = aws.Token.as_string(aws.Fn.one(aws.Fn.concat([every(s, "name") for s in self.services])))
            # The service id is its ARN.
            self.arn = aws.Token.as_string(aws.Fn.one(aws.Fn.concat([every(s, "id") for s in self.services])))
        else:
            self.name = self.service.name
            self.arn = self.service.id
