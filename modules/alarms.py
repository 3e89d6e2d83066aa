"""CloudWatch alarms: service CPU and memory, target 5xx, unhealthy hosts, running tasks below desired."""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws
from modules.alarm_topic import AlarmTopic
from modules.config import AlarmSettings, EnvironmentSettings
from modules.symbolic import both, choose_list, choose_string, count, either, is_set, null, when


@dataclass(frozen=True)
class AlarmsProps:
    """What the alarms read: their section and the names of the service they watch."""

    alarms: AlarmSettings
    cluster_name: str
    service_name: str

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> AlarmsProps:
        return cls(settings.alarms, settings.cluster.name, settings.service.name)


class Alarms(aws.Construct):
    """Exposes ``alarms`` (name -> alarm) and ``topic_arn`` (or None: no actions)."""

    def __init__(
        self,
        scope: aws.Construct,
        id: str,
        props: AlarmsProps,
        *,
        target_group_arn_suffix: str,
        load_balancer_arn_suffix: str,
    ):
        super().__init__(scope, id)
        al = props.alarms
        enabled = al.enabled
        create_topic = both(enabled, is_set(al.create_sns_topic_name))
        if when(create_topic):
            self.topic = AlarmTopic(self, "topic", al, create_topic)
        # An existing topic, or the created one, or none (no actions).
        self.topic_arn = choose_string(
            is_set(al.sns_topic_arn),
            lambda: al.sns_topic_arn,
            lambda: choose_string(create_topic, lambda: self.topic.arn, null),
        )
        has_topic = either(is_set(al.sns_topic_arn), create_topic)
        actions = choose_list(has_topic, lambda: [self.topic_arn], lambda: [])
        service = {"ClusterName": props.cluster_name, "ServiceName": props.service_name}
        target = {"TargetGroup": target_group_arn_suffix, "LoadBalancer": load_balancer_arn_suffix}
        specs = [
            ("cpu", "AWS/ECS", "CPUUtilization", "Average", al.cpu_threshold, service, "Service CPU is high"),
            (
                "memory",
                "AWS/ECS",
                "MemoryUtilization",
                "Average",
                al.memory_threshold,
                service,
                "Service memory is high",
            ),
            (
                "target-5xx",
                "AWS/ApplicationELB",
                "HTTPCode_Target_5XX_Count",
                "Sum",
                al.target_5xx_threshold,
                target,
                "The server answers 5xx",
            ),
            (
                "unhealthy-hosts",
                "AWS/ApplicationELB",
                "UnHealthyHostCount",
                "Maximum",
                al.unhealthy_hosts_threshold,
                target,
                "Targets fail the ALB health check",
            ),
        ]
        self.alarms = {}
        for key, namespace, metric, statistic, threshold, dimensions, description in specs:
            self.alarms[key] = aws.CloudwatchMetricAlarm(
                self,
                key,
                count=count(enabled),
                alarm_name=f"{props.service_name}-{key}",
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
        # Container Insights publishes both counts per service (a created cluster has it on; a reused one
        # must). No data is reported too: a silent alarm would look like a healthy service.
        running_tasks = both(enabled, al.running_tasks)
        counts = [("running", "RunningTaskCount"), ("desired", "DesiredTaskCount")]
        self.alarms["running-tasks"] = aws.CloudwatchMetricAlarm(
            self,
            "running-tasks",
            count=count(running_tasks),
            alarm_name=f"{props.service_name}-running-tasks",
            alarm_description="Fewer tasks run than the service wants (no data: Container Insights is off)",
            metric_query=aws.blocks(
                {"id": "missing", "expression": "desired - running", "label": "Tasks missing", "return_data": True},
                *(
                    {
                        "id": key,
                        "return_data": False,
                        "metric": {
                            "namespace": "ECS/ContainerInsights",
                            "metric_name": metric,
                            "dimensions": service,
                            "period": al.period,
                            "stat": "Average",
                        },
                    }
                    for key, metric in counts
                ),
            ),
            evaluation_periods=al.evaluation_periods,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="missing",
            alarm_actions=actions,
            ok_actions=actions,
            insufficient_data_actions=actions,
        )
