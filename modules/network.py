"""VPC, private subnets and security groups: reused by id (the reference), or created."""
from __future__ import annotations

from modules import aws
from modules.config import EnvironmentSettings


class Network(aws.Construct):
    """Exposes ``vpc_id``, ``subnet_ids``, ``task_security_group_ids`` and, when created,
    ``vpc_cidr`` and ``alb_security_group_id`` for a created load balancer.

    Reuse (default, the reference): ids are taken from the settings as they are.
    Create: a VPC with one private subnet per availability zone (no internet gateway),
    a tasks security group (container port from inside the VPC, HTTPS out) and an ALB
    security group (listener port from inside the VPC, container port to the VPC).
    """

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings):
        super().__init__(scope, id)
        net = settings.network
        self.created = net.create
        if not net.create:
            self.vpc_id = net.vpc_id
            self.subnet_ids: list[str] = list(net.subnet_ids)
            self.task_security_group_ids: list[str] = list(net.security_group_ids)
            self.vpc_cidr = None
            self.alb_security_group_id = None
            return

        name = settings.service.name
        self.vpc = aws.Vpc(
            self,
            "vpc",
            cidr_block=net.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": f"{name}-vpc"},
        )
        self.vpc_id = self.vpc.id
        self.vpc_cidr = net.vpc_cidr
        # Adopting the default security group removes its rules (none are declared here).
        aws.DefaultSecurityGroup(self, "default-security-group", vpc_id=self.vpc.id)
        self.subnets = [
            aws.Subnet(
                self,
                f"private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{zone}"},
            )
            for index, (cidr, zone) in enumerate(zip(net.subnet_cidrs, net.availability_zones))
        ]
        self.subnet_ids = [subnet.id for subnet in self.subnets]
        port = settings.task.container_port
        self.task_security_group = aws.SecurityGroup(
            self,
            "tasks",
            name=f"{name}-tasks",
            description="Google Workspace MCP tasks: container port from the VPC, HTTPS out",
            vpc_id=self.vpc.id,
            ingress=aws.blocks(_rule("container port from the VPC", port, [net.vpc_cidr])),
            egress=aws.blocks(_rule("HTTPS to Google APIs, ECR, Secrets Manager, S3", 443, list(net.egress_cidr_blocks))),
            tags={"Name": f"{name}-tasks"},
        )
        self.task_security_group_ids = [self.task_security_group.id]
        lb = settings.load_balancer
        self.alb_security_group = aws.SecurityGroup(
            self,
            "alb",
            name=f"{name}-alb",
            description="Internal ALB: listener port from the VPC, container port to the VPC",
            vpc_id=self.vpc.id,
            ingress=aws.blocks(
                _rule("listener port", lb.listener_port, list(lb.ingress_cidr_blocks) or [net.vpc_cidr])
            ),
            egress=aws.blocks(_rule("targets on the container port", port, [net.vpc_cidr])),
            tags={"Name": f"{name}-alb"},
        )
        self.alb_security_group_id = self.alb_security_group.id


def _rule(description: str, port: int, cidr_blocks: list[str]) -> dict:
    # Inline rules list every attribute: the provider treats omitted ones as drift.
    return {
        "description": description,
        "from_port": port,
        "to_port": port,
        "protocol": "tcp",
        "cidr_blocks": cidr_blocks,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self": False,
    }
