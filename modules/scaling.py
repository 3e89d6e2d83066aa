"""CPU target-tracking auto scaling of the service's desired count."""
from __future__ import annotations

from modules import aws
from modules.config import EnvironmentSettings


class Scaling(aws.Construct):
    """Exposes ``target`` and ``policy``."""

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings, *, service):
        super().__init__(scope, id)
        sc = settings.scaling
        self.target = aws.AppautoscalingTarget(
            self,
            "target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{settings.cluster.name}/{settings.service.name}",
            min_capacity=sc.min_capacity,
            max_capacity=sc.max_capacity,
            depends_on=[service],
        )
        self.policy = aws.AppautoscalingPolicy(
            self,
            "cpu",
            name=f"{settings.service.name}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=self.target.service_namespace,
            scalable_dimension=self.target.scalable_dimension,
            resource_id=self.target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": sc.cpu_target,
                "scale_in_cooldown": sc.scale_in_cooldown,
                "scale_out_cooldown": sc.scale_out_cooldown,
                "predefined_metric_specification": {
                    "predefined_metric_type": "ECSServiceAverageCPUUtilization"
                },
            },
        )
