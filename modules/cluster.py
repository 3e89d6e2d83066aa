"""The ECS cluster: looked up by name (the reference), or created."""
from __future__ import annotations

from modules import aws
from modules.config import EnvironmentSettings


class Cluster(aws.Construct):
    """Exposes ``arn`` and ``name``."""

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings):
        super().__init__(scope, id)
        cluster = settings.cluster
        self.name = cluster.name
        if cluster.create:
            self.cluster = aws.EcsCluster(
                self,
                "cluster",
                name=cluster.name,
                setting=aws.blocks(
                    {
                        "name": "containerInsights",
                        "value": "enabled" if cluster.container_insights else "disabled",
                    }
                ),
            )
            self.arn = self.cluster.arn
            if settings.service.capacity_provider_strategy:
                aws.EcsClusterCapacityProviders(
                    self,
                    "capacity-providers",
                    cluster_name=self.cluster.name,
                    capacity_providers=["FARGATE", "FARGATE_SPOT"],
                )
        else:
            self.lookup = aws.DataAwsEcsCluster(self, "lookup", cluster_name=cluster.name)
            self.arn = self.lookup.arn
