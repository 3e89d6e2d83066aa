"""CloudWatch alarms: service CPU and memory, target 5xx, unhealthy hosts."""
from __future__ import annotations

from modules import aws
from modules.config import EnvironmentSettings


class Alarms(aws.Construct):
    """Exposes ``alarms`` (name -> alarm) and ``topic_arn`` (or None: no actions)."""

    def __init__(
        self,
        scope: aws.Construct,
        id: str,
        settings: EnvironmentSettings,
        *,
        target_group_arn_suffix: str,
        load_balancer_arn_suffix: str,
    ):
        super().__init__(scope, id)
        al = settings.alarms
        self.topic_arn = al.sns_topic_arn or None
        if al.create_sns_topic_name:
            self.topic = aws.SnsTopic(
                self, "topic", name=al.create_sns_topic_name, kms_master_key_id="alias/aws/sns"
            )
            self.topic_arn = self.topic.arn
        actions = [self.topic_arn] if self.topic_arn else []
        service = {"ClusterName": settings.cluster.name, "ServiceName": settings.service.name}
        target = {"TargetGroup": target_group_arn_suffix, "LoadBalancer": load_balancer_arn_suffix}
        specs = [
            ("cpu", "AWS/ECS", "CPUUtilization", "Average", al.cpu_threshold, service, "Service CPU is high"),
            ("memory", "AWS/ECS", "MemoryUtilization", "Average", al.memory_threshold, service, "Service memory is high"),
            ("target-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", al.target_5xx_threshold, target, "The server answers 5xx"),
            ("unhealthy-hosts", "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", al.unhealthy_hosts_threshold, target, "Targets fail the ALB health check"),
        ]
        self.alarms = {}
        for key, namespace, metric, statistic, threshold, dimensions, description in specs:
            self.alarms[key] = aws.CloudwatchMetricAlarm(
                self,
                key,
                alarm_name=f"{settings.service.name}-{key}",
                alarm_description=description,
                namespace=namespace,
                metric_name=metric,
                statistic=statistic,
                dimensions=dimensions,
                period=al.period,
                evaluation_periods=al.evaluation_periods,
                threshold=threshold,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=actions,
                ok_actions=actions,
            )
