"""ALB wiring: the target group and the listener rules on the (reused or created) listener.

The main rule (priority 50) forwards ``/google-workspace/*``. RFC 8414 and RFC 9728 put
discovery metadata for an issuer or resource with a path at ``/.well-known/...<path>``,
outside the prefix, so a second rule (priority 51) forwards exactly those paths (and the
bare prefix) to the same target group.
"""
from __future__ import annotations

from modules import aws
from modules.config import EnvironmentSettings
from modules.network import Network


def discovery_paths(prefix: str) -> list[str]:
    """Paths outside ``<prefix>/*`` that must reach the server (at most 5 per ALB condition)."""
    return [
        f"/.well-known/oauth-authorization-server{prefix}",
        f"/.well-known/openid-configuration{prefix}",
        f"/.well-known/oauth-protected-resource{prefix}/*",
        prefix,
    ]


class LoadBalancer(aws.Construct):
    """Exposes ``target_group``, ``listener_rule``, ``discovery_rule`` (or None),
    ``listener_arn``, ``arn_suffix``, ``dns_name`` and ``public_base_url``.
    """

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings, network: Network):
        super().__init__(scope, id)
        lb = settings.load_balancer
        if lb.create:
            self.alb = aws.Lb(
                self,
                "alb",
                name=lb.name,
                internal=lb.internal,
                load_balancer_type="application",
                subnets=network.subnet_ids,
                security_groups=[network.alb_security_group_id]
                if network.alb_security_group_id
                else network.task_security_group_ids,
                drop_invalid_header_fields=True,
            )
            self.listener = aws.LbListener(
                self,
                "listener",
                load_balancer_arn=self.alb.arn,
                port=lb.listener_port,
                protocol=lb.listener_protocol,
                certificate_arn=lb.certificate_arn or None,
                ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06" if lb.listener_protocol == "HTTPS" else None,
                default_action=aws.blocks(
                    {
                        "type": "fixed-response",
                        "fixed_response": {"content_type": "text/plain", "message_body": "Not Found", "status_code": "404"},
                    }
                ),
            )
            self.listener_arn = self.listener.arn
            self.arn_suffix = self.alb.arn_suffix
            self.dns_name = self.alb.dns_name
        else:
            self.lookup = aws.DataAwsLb(self, "lookup", name=lb.name)
            self.arn_suffix = self.lookup.arn_suffix
            self.dns_name = self.lookup.dns_name
            if lb.listener_arn:
                self.listener_arn = lb.listener_arn
            else:
                self.listener_lookup = aws.DataAwsLbListener(
                    self, "listener-lookup", load_balancer_arn=self.lookup.arn, port=lb.listener_port
                )
                self.listener_arn = self.listener_lookup.arn
        scheme = "https" if lb.listener_protocol == "HTTPS" else "http"
        default_port = 443 if scheme == "https" else 80
        port = "" if lb.listener_port == default_port else f":{lb.listener_port}"
        self.public_base_url = lb.public_base_url or f"{scheme}://{self.dns_name}{port}"

        tg = settings.target_group
        hc = tg.health_check
        self.target_group = aws.LbTargetGroup(
            self,
            "target-group",
            name=tg.name,
            port=tg.port,
            protocol=tg.protocol,
            target_type=tg.target_type,
            vpc_id=network.vpc_id,
            deregistration_delay=str(tg.deregistration_delay),
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
        rule = settings.listener_rule
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
        if rule.discovery_rule:
            self.discovery_rule = aws.LbListenerRule(
                self,
                "discovery-rule",
                listener_arn=self.listener_arn,
                priority=rule.discovery_priority,
                action=forward,
                condition=aws.blocks({"path_pattern": {"values": discovery_paths(settings.path_prefix)}}),
            )
        self.rules = [r for r in (self.listener_rule, self.discovery_rule) if r is not None]
