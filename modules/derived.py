"""The values computed from settings, in one place: URLs, path prefix, token store.

Each value is computed here once and read by every construct and output that needs it.
When Terraform must compute it (a module input, the ALB's DNS name), it becomes a named
``local`` (``local.public_url``), so the expression appears once in the Terraform too.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws
from modules.config import EnvironmentSettings, LoadBalancerSettings, ServiceDiscoverySettings, TokenBucketSettings
from modules.symbolic import choose, choose_string, equals, named, or_default, text, trim_suffix

#: The construct id of the locals; their Terraform names are the attribute names below.
SCOPE = "locals"


def default_port_suffix(https, port) -> str:
    """``""`` on the scheme's default port (443 for HTTPS, 80 for HTTP), else ``":<port>"``."""
    on_default_port = choose(https, lambda: equals(port, 443), lambda: equals(port, 80))
    return choose_string(on_default_port, lambda: "", lambda: f":{text(port)}")


@dataclass(frozen=True)
class DerivedProps:
    """The settings the derived values are computed from."""

    #: ``listener_rule.path_pattern`` (``/google-workspace/*``).
    path_pattern: str
    #: The Cloud Map name (``<service_name>.<namespace_name>``) internal callers use.
    service_discovery: ServiceDiscoverySettings
    container_port: int
    #: ``bucket_name`` and ``prefix``: the token store.
    token_bucket: TokenBucketSettings
    #: ``public_base_url``, else the listener's scheme and port with the ALB's DNS name.
    load_balancer: LoadBalancerSettings

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> DerivedProps:
        return cls(
            settings.listener_rule.path_pattern,
            settings.service_discovery,
            settings.task.container_port,
            settings.token_bucket,
            settings.load_balancer,
        )


class DerivedValues(aws.Construct):
    """Exposes ``path_prefix`` (``/google-workspace``), ``internal_base_uri``,
    ``internal_mcp_url``, ``token_store_uri`` and, after ``add_public_url(dns_name)``,
    ``public_base_url`` (scheme://host[:port]), ``public_url`` (+ prefix: the server's
    WORKSPACE_MCP_PUBLIC_URL) and ``external_mcp_url`` (+ ``/mcp``), and after
    ``add_trusted_proxies(vpc_cidr)``, ``trusted_proxies`` (WORKSPACE_MCP_TRUSTED_PROXIES).
    """

    def __init__(self, scope: aws.Construct, props: DerivedProps):
        super().__init__(scope, SCOPE)
        self._props = props
        sd, tb = props.service_discovery, props.token_bucket
        self.path_prefix = named(self, "path_prefix", trim_suffix(props.path_pattern, "/*"))
        self.internal_base_uri = named(self, "internal_base_uri", f"http://{sd.service_name}.{sd.namespace_name}")
        self.internal_mcp_url = named(
            self, "internal_mcp_url", f"{self.internal_base_uri}:{text(props.container_port)}/mcp"
        )
        self.token_store_uri = named(self, "token_store_uri", f"s3://{tb.bucket_name}/{tb.prefix}")

    def add_public_url(self, dns_name: str) -> None:
        """The URL clients use: ``load_balancer.public_base_url``, else the ALB's DNS name with
        the listener's scheme and its port unless it is the scheme's default."""
        lb = self._props.load_balancer
        https = equals(lb.listener_protocol, "HTTPS")
        scheme = choose_string(https, lambda: "https", lambda: "http")
        from_alb = f"{scheme}://{dns_name}{default_port_suffix(https, lb.listener_port)}"
        self.public_base_url = named(self, "public_base_url", or_default(lb.public_base_url, lambda: from_alb))
        self.public_url = named(self, "public_url", f"{self.public_base_url}{self.path_prefix}")
        self.external_mcp_url = named(self, "external_mcp_url", f"{self.public_url}/mcp")

    def add_trusted_proxies(self, vpc_cidr: str) -> None:
        """The peers whose ``X-Forwarded-For`` the server believes: the ALB, whose nodes take
        their addresses from the VPC's CIDR (an ALB has no fixed addresses to name instead)."""
        self.trusted_proxies = named(self, "trusted_proxies", vpc_cidr)
