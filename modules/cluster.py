"""The ECS cluster: looked up by name (the reference), or created."""
from __future__ import annotations

from modules import aws
from modules.config import EnvironmentSettings
from modules.symbolic import both, choose_string, count, count_unless, has_items, single, unless, when


class Cluster(aws.Construct):
    """Exposes ``arn`` and ``name``."""

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings):
        super().__init__(scope, id)
        cluster = settings.cluster
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
            )
            spot = has_items(settings.service.capacity_provider_strategy)
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
        self.arn = choose_string(create, lambda: single(self.cluster, "arn", create), lambda: single(self.lookup, "arn", create))
