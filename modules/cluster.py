"""The ECS cluster: looked up by name (the reference), or created."""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws
from modules.config import CapacityProviderSettings, ClusterSettings, EnvironmentSettings
from modules.exec_audit import ExecuteCommandAudit
from modules.symbolic import both, choose_string, count, count_unless, has_items, single, symbolic, unless, when


@dataclass(frozen=True)
class ClusterProps:
    """What the cluster reads: its section and the service's capacity providers."""

    cluster: ClusterSettings
    #: The service's strategy (``[service]``): a created cluster offers Fargate Spot when it is not empty.
    capacity_provider_strategy: tuple[CapacityProviderSettings, ...] = ()

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> ClusterProps:
        return cls(settings.cluster, settings.service.capacity_provider_strategy)


class Cluster(aws.Construct):
    """Exposes ``arn`` and ``name``. A created cluster logs ECS Exec sessions as ``exec_audit``
    says; a reused one cannot be configured here (``service.exec_reused_cluster_configured``)."""

    def __init__(self, scope: aws.Construct, id: str, props: ClusterProps, exec_audit: ExecuteCommandAudit):
        super().__init__(scope, id)
        cluster = props.cluster
        create = cluster.create
        self.name = cluster.name
        if when(create):
            self.cluster = aws.EcsCluster(
                self,
                "cluster",
                count=count(create),
                name=cluster.name,
                setting=aws.blocks(
                    {
                        "name": "containerInsights",
                        "value": choose_string(cluster.container_insights, lambda: "enabled", lambda: "disabled"),
                    }
                ),
                configuration=_exec_configuration(exec_audit),
            )
            _add_dynamic_exec_configuration(self.cluster, exec_audit)
            spot = has_items(props.capacity_provider_strategy)
            if when(spot):
                aws.EcsClusterCapacityProviders(
                    self,
                    "capacity-providers",
                    count=count(both(create, spot)),
                    cluster_name=single(self.cluster, "name", create),
                    capacity_providers=["FARGATE", "FARGATE_SPOT"],
                )
        if unless(create):
            self.lookup = aws.DataAwsEcsCluster(self, "lookup", count=count_unless(create), cluster_name=cluster.name)
        self.arn = choose_string(
            create, lambda: single(self.cluster, "arn", create), lambda: single(self.lookup, "arn", create)
        )


def _exec_configuration(audit: ExecuteCommandAudit):
    """The ``configuration`` block with session logging, only while ECS Exec is on (a flag
    known at synthesis; ``_add_dynamic_exec_configuration`` handles a Terraform flag)."""
    if symbolic(audit.enabled):
        return None
    return {"execute_command_configuration": audit.cluster_configuration} if audit.enabled else None


def _add_dynamic_exec_configuration(cluster, audit: ExecuteCommandAudit) -> None:
    if symbolic(audit.enabled):
        cluster.add_override(
            "dynamic.configuration",
            {
                "for_each": aws.Fn.conditional(audit.enabled, [1], []),
                "content": {"execute_command_configuration": audit.cluster_configuration},
            },
        )
