"""CPU target-tracking auto scaling of the service's desired count."""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws
from modules.config import EnvironmentSettings, ScalingSettings
from modules.symbolic import count, single


@dataclass(frozen=True)
class ScalingProps:
    """What the scaling reads: its section and the names that make up the service's resource id."""

    scaling: ScalingSettings
    cluster_name: str
    service_name: str

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> ScalingProps:
        return cls(settings.scaling, settings.cluster.name, settings.service.name)


class Scaling(aws.Construct):
    """Exposes ``target`` and ``policy`` (declared with ``count`` when ``scaling.enabled`` is an expression)."""

    def __init__(self, scope: aws.Construct, id: str, props: ScalingProps, *, service: aws.EcsService):
        super().__init__(scope, id)
        sc = props.scaling
        self.target = aws.AppautoscalingTarget(
            self,
            "target",
            count=count(sc.enabled),
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{props.cluster_name}/{props.service_name}",
            min_capacity=sc.min_capacity,
            max_capacity=sc.max_capacity,
            depends_on=[service],
        )
        self.policy = aws.AppautoscalingPolicy(
            self,
            "cpu",
            count=count(sc.enabled),
            name=f"{props.service_name}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=single(self.target, "service_namespace", sc.enabled),
            scalable_dimension=single(self.target, "scalable_dimension", sc.enabled),
            resource_id=single(self.target, "resource_id", sc.enabled),
            target_tracking_scaling_policy_configuration={
                "target_value": sc.cpu_target,
                "scale_in_cooldown": sc.scale_in_cooldown,
                "scale_out_cooldown": sc.scale_out_cooldown,
                "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"},
            },
        )
