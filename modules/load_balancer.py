"""ALB wiring: the target group and the listener rules on the (reused or created) listener.

The main rule (priority 50) forwards ``/google-workspace/*``. RFC 8414 and RFC 9728 put
discovery metadata for an issuer or resource with a path at ``/.well-known/...<path>``,
outside the prefix, so a second rule (priority 51) forwards exactly those paths (and the
bare prefix) to the same target group.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws
from modules.config import EnvironmentSettings, ListenerRuleSettings, LoadBalancerSettings, TargetGroupSettings
from modules.network import Network
from modules.symbolic import (
    both,
    choose_list,
    choose_string,
    count,
    count_unless,
    equals,
    is_unset,
    negate,
    null,
    or_default,
    or_null,
    single,
    text,
    unless,
    when,
)


def discovery_paths(prefix: str) -> list[str]:
    """Paths outside ``<prefix>/*`` that must reach the server (at most 5 per ALB condition)."""
    return [
        f"/.well-known/oauth-authorization-server{prefix}",
        f"/.well-known/openid-configuration{prefix}",
        f"/.well-known/oauth-protected-resource{prefix}/*",
        prefix,
    ]


@dataclass(frozen=True)
class LoadBalancerProps:
    """What the ALB wiring reads: its sections of the environment file and the path prefix."""

    load_balancer: LoadBalancerSettings
    target_group: TargetGroupSettings
    listener_rule: ListenerRuleSettings
    #: ``/google-workspace`` (modules/derived.py): the discovery rule's paths are outside it.
    path_prefix: str

    @classmethod
    def of(cls, settings: EnvironmentSettings, path_prefix: str) -> LoadBalancerProps:
        return cls(settings.load_balancer, settings.target_group, settings.listener_rule, path_prefix)


class LoadBalancer(aws.Construct):
    """Exposes ``target_group``, ``listener_rule``, ``discovery_rule`` (or None),
    ``listener_arn``, ``arn_suffix`` and ``dns_name`` (the public URL: modules/derived.py).
    """

    def __init__(self, scope: aws.Construct, id: str, props: LoadBalancerProps, network: Network):
        super().__init__(scope, id)
        lb = props.load_balancer
        create = lb.create
        https = equals(lb.listener_protocol, "HTTPS")
        if when(create):
            self.alb = aws.Lb(
                self,
                "alb",
                count=count(create),
                name=lb.name,
                internal=lb.internal,
                load_balancer_type="application",
                subnets=network.subnet_ids,
                security_groups=choose_list(
                    network.created,
                    lambda: [network.alb_security_group_id],
                    lambda: network.task_security_group_ids,
                ),
                drop_invalid_header_fields=True,
            )
            self.listener = aws.LbListener(
                self,
                "listener",
                count=count(create),
                load_balancer_arn=single(self.alb, "arn", create),
                port=lb.listener_port,
                protocol=lb.listener_protocol,
                certificate_arn=or_null(lb.certificate_arn),
                ssl_policy=choose_string(https, lambda: "ELBSecurityPolicy-TLS13-1-2-2021-06", null),
                default_action=aws.blocks(
                    {
                        "type": "fixed-response",
                        "fixed_response": {
                            "content_type": "text/plain",
                            "message_body": "Not Found",
                            "status_code": "404",
                        },
                    }
                ),
            )
        if unless(create):
            self.lookup = aws.DataAwsLb(self, "lookup", count=count_unless(create), name=lb.name)
            # Reuse the listener given by ARN, or look it up by the ALB and port.
            look_up_listener = both(negate(create), is_unset(lb.listener_arn))
            if when(look_up_listener):
                self.listener_lookup = aws.DataAwsLbListener(
                    self,
                    "listener-lookup",
                    count=count(look_up_listener),
                    load_balancer_arn=single(self.lookup, "arn", create),
                    port=lb.listener_port,
                )
        self.listener_arn = choose_string(
            create,
            lambda: single(self.listener, "arn", create),
            lambda: or_default(lb.listener_arn, lambda: single(self.listener_lookup, "arn", look_up_listener)),
        )
        self.arn_suffix = choose_string(
            create, lambda: single(self.alb, "arn_suffix", create), lambda: single(self.lookup, "arn_suffix", create)
        )
        self.dns_name = choose_string(
            create, lambda: single(self.alb, "dns_name", create), lambda: single(self.lookup, "dns_name", create)
        )

        tg = props.target_group
        hc = tg.health_check
        self.target_group = aws.LbTargetGroup(
            self,
            "target-group",
            name=tg.name,
            port=tg.port,
            protocol=tg.protocol,
            target_type=tg.target_type,
            vpc_id=network.vpc_id,
            deregistration_delay=text(tg.deregistration_delay),
            health_check={
                "enabled": True,
                "path": hc.path,
                "protocol": hc.protocol,
                "port": hc.port,
                "interval": hc.interval,
                "timeout": hc.timeout,
                "healthy_threshold": hc.healthy_threshold,
                "unhealthy_threshold": hc.unhealthy_threshold,
                "matcher": hc.matcher,
            },
        )
        rule = props.listener_rule
        forward = aws.blocks({"type": "forward", "target_group_arn": self.target_group.arn})
        self.listener_rule = aws.LbListenerRule(
            self,
            "rule",
            listener_arn=self.listener_arn,
            priority=rule.priority,
            action=forward,
            condition=aws.blocks({"path_pattern": {"values": [rule.path_pattern]}}),
        )
        self.discovery_rule = None
        if when(rule.discovery_rule):
            self.discovery_rule = aws.LbListenerRule(
                self,
                "discovery-rule",
                count=count(rule.discovery_rule),
                listener_arn=self.listener_arn,
                priority=rule.discovery_priority,
                action=forward,
                condition=aws.blocks({"path_pattern": {"values": discovery_paths(props.path_prefix)}}),
            )
        self.rules = [r for r in (self.listener_rule, self.discovery_rule) if r is not None]
