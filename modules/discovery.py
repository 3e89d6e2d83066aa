"""Cloud Map: the ``google-workspace`` service (A + SRV, TTL 60) in the private namespace."""

from __future__ import annotations

from typing import Any

from modules import aws
from modules.config import ServiceDiscoverySettings
from modules.network import Network
from modules.symbolic import choose_string, count, single, symbolic, when


class ServiceDiscovery(aws.Construct):
    """Namespace reused by id (the reference) or created in the VPC.

    Exposes ``service`` (aws_service_discovery_service), ``arn`` and ``namespace_id``.
    """

    def __init__(self, scope: aws.Construct, id: str, sd: ServiceDiscoverySettings, network: Network):
        super().__init__(scope, id)
        create = sd.create_namespace
        if when(create):
            self.namespace = aws.ServiceDiscoveryPrivateDnsNamespace(
                self,
                "namespace",
                count=count(create),
                name=sd.namespace_name,
                vpc=network.vpc_id,
                description="Private DNS for internal service discovery",
            )
        self.namespace_id = choose_string(create, lambda: single(self.namespace, "id", create), lambda: sd.namespace_id)
        dns_records: aws.IResolvable | list[dict[str, Any]]
        if symbolic(sd.record_types) or symbolic(sd.dns_ttl):
            records = aws.TerraformIterator.from_list(sd.record_types)
            dns_records = records.dynamic({"type": records.value, "ttl": sd.dns_ttl})
        else:
            dns_records = aws.blocks(*({"type": record, "ttl": sd.dns_ttl} for record in sd.record_types))
        self.service = aws.ServiceDiscoveryService(
            self,
            "service",
            name=sd.service_name,
            description="Google Workspace MCP server tasks",
            dns_config={
                "namespace_id": self.namespace_id,
                "routing_policy": sd.routing_policy,
                "dns_records": dns_records,
            },
        )
        self.arn = self.service.arn
