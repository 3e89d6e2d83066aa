"""A WAFv2 web ACL on the ALB the stack creates (``[edge] waf``); a shared ALB's is its owner's decision.

Rules, in order:
1. AWS managed common rule set, except that its two body rules only count: MCP requests carry up
   to 4 MiB of the user's own content (mail bodies, documents, HTML), which ``SizeRestrictions_BODY``
   (8 KiB) and ``CrossSiteScripting_BODY`` would block; the server caps bodies itself.
2. AWS managed known-bad-inputs rule set (Log4j and similar exploit payloads).
3. A rate limit per client address on the OAuth endpoints (``<prefix>/register``, ``/authorize``,
   ``/consent``, ``/token``, ``/revoke``, ``/auth/callback``): ``waf_oauth_rate_limit`` requests per
   5 minutes, in front of the server's own per-task limits.
Every request WAF sees is logged to the log group ``aws-waf-logs-<service name>`` (the prefix WAF
requires), kept as long as the service's logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules import aws
from modules.config import EdgeSettings, EnvironmentSettings
from modules.load_balancer import LoadBalancer
from modules.symbolic import both, count, single, when

OAUTH_PATHS = ("/register", "/authorize", "/consent", "/token", "/revoke", "/auth/callback")


def _visibility(name: str) -> dict:
    return {"cloudwatch_metrics_enabled": True, "metric_name": name, "sampled_requests_enabled": True}


def _managed(name: str, priority: int, metric: str, counted: tuple[str, ...] = ()) -> dict:
    group: dict[str, Any] = {"vendor_name": "AWS", "name": name}
    if counted:
        group["rule_action_override"] = [{"name": rule, "action_to_use": {"count": {}}} for rule in counted]
    return {
        "name": metric,
        "priority": priority,
        "override_action": {"none": {}},
        "statement": {"managed_rule_group_statement": group},
        "visibility_config": _visibility(metric),
    }


def oauth_rate_limit_rule(prefix: str, limit: Any, metric: str) -> dict:
    paths = [
        {
            "byte_match_statement": {
                "search_string": f"{prefix}{path}",
                "positional_constraint": "STARTS_WITH",
                "field_to_match": {"uri_path": {}},
                "text_transformation": [{"priority": 0, "type": "NONE"}],
            }
        }
        for path in OAUTH_PATHS
    ]
    return {
        "name": metric,
        "priority": 30,
        "action": {"block": {}},
        "statement": {
            "rate_based_statement": {
                "limit": limit,
                "aggregate_key_type": "IP",
                "scope_down_statement": {"or_statement": {"statement": paths}},
            }
        },
        "visibility_config": _visibility(metric),
    }


@dataclass(frozen=True)
class WebAclProps:
    """What the web ACL reads: ``[edge]``, whether the stack creates the ALB, names and the OAuth paths."""

    edge: EdgeSettings
    #: ``load_balancer.create`` (a shared ALB's protection is its owner's decision).
    load_balancer_created: Any
    #: ``service.name``: the ACL's name and its log group ``aws-waf-logs-<service>``.
    service_name: str
    #: ``/google-workspace`` (modules/derived.py): the rate-limited OAuth endpoints are under it.
    path_prefix: str
    #: ``logs.retention_in_days``, for the request log group too.
    log_retention_in_days: int = 30

    @classmethod
    def of(cls, settings: EnvironmentSettings, path_prefix: str) -> WebAclProps:
        return cls(
            settings.edge,
            settings.load_balancer.create,
            settings.service.name,
            path_prefix,
            settings.logs.retention_in_days,
        )


class WebAcl(aws.Construct):
    """Declared with ``count`` of ``load_balancer.create && edge.waf``."""

    def __init__(
        self,
        scope: aws.Construct,
        id: str,
        props: WebAclProps,
        load_balancer: LoadBalancer,
    ):
        super().__init__(scope, id)
        edge, name, path_prefix = props.edge, props.service_name, props.path_prefix
        enabled = both(props.load_balancer_created, edge.waf)
        self.enabled = enabled
        if not when(enabled):
            return
        alb_arn = single(load_balancer.alb, "arn", props.load_balancer_created)
        self.acl = aws.Wafv2WebAcl(
            self,
            "acl",
            count=count(enabled),
            name=name,
            description=f"{name}: ALB in front of the Google Workspace MCP server",
            scope="REGIONAL",
            default_action={"allow": {}},
            visibility_config=_visibility(name),
        )
        # Raw Terraform blocks: the binding's types stop short of nested rate-based scope-downs.
        self.acl.add_override(
            "rule",
            [
                _managed(
                    "AWSManagedRulesCommonRuleSet",
                    10,
                    "aws-common",
                    counted=("SizeRestrictions_BODY", "CrossSiteScripting_BODY"),
                ),
                _managed("AWSManagedRulesKnownBadInputsRuleSet", 20, "aws-known-bad-inputs"),
                oauth_rate_limit_rule(path_prefix, edge.waf_oauth_rate_limit, "oauth-rate-limit"),
            ],
        )
        acl_arn = single(self.acl, "arn", enabled)
        aws.Wafv2WebAclAssociation(self, "association", count=count(enabled), resource_arn=alb_arn, web_acl_arn=acl_arn)
        self.log_group = aws.CloudwatchLogGroup(
            self,
            "log-group",
            count=count(enabled),
            name=f"aws-waf-logs-{name}",
            retention_in_days=props.log_retention_in_days,
        )
        aws.Wafv2WebAclLoggingConfiguration(
            self,
            "logging",
            count=count(enabled),
            resource_arn=acl_arn,
            log_destination_configs=[single(self.log_group, "arn", enabled)],
        )
