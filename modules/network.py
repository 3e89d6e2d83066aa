"""VPC, private subnets and security groups: reused by id (the reference), or created."""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws
from modules.config import EnvironmentSettings, NetworkSettings
from modules.symbolic import (
    choose_list,
    choose_string,
    conditional,
    count,
    count_unless,
    every,
    has_items,
    negate,
    single,
    symbolic,
    unless,
    when,
)


@dataclass(frozen=True)
class NetworkProps:
    """What the network reads: its section, and for a created one the names and ports its
    security groups open."""

    network: NetworkSettings
    #: ``service.name``: the created resources' names.
    service_name: str
    #: ``task.container_port``: the tasks' group admits it from the ALB's group.
    container_port: int
    #: ``load_balancer.listener_port`` and ``ingress_cidr_blocks`` (empty: the VPC's CIDR) of the ALB's group.
    listener_port: int
    ingress_cidr_blocks: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> NetworkProps:
        lb = settings.load_balancer
        return cls(
            settings.network,
            settings.service.name,
            settings.task.container_port,
            lb.listener_port,
            lb.ingress_cidr_blocks,
        )


class Network(aws.Construct):
    """Exposes ``vpc_id``, ``vpc_cidr`` (the settings' when created, else looked up by id),
    ``subnet_ids``, ``task_security_group_ids`` and, when created, ``alb_security_group_id``
    for a created load balancer.

    Reuse (default, the reference): ids are taken from the settings as they are.
    Create: a VPC with one private subnet per availability zone (no internet gateway),
    a tasks security group (container port from the ALB's group and
    ``consumer_security_group_ids`` only, HTTPS out) and an ALB
    security group (listener port from inside the VPC, container port to the VPC).
    """

    def __init__(self, scope: aws.Construct, id: str, props: NetworkProps):
        super().__init__(scope, id)
        net = props.network
        create = net.create
        self.created = create
        self.alb_security_group_id: str | None = None
        if when(create):
            self._create(props)
        reused = None
        if unless(create):
            # The ALB's nodes take their addresses from the VPC: the server trusts their X-Forwarded-For.
            reused = aws.DataAwsVpc(self, "existing-vpc", count=count_unless(create), id=net.vpc_id)
        self.vpc_cidr = choose_string(
            create, lambda: net.vpc_cidr, lambda: single(reused, "cidr_block", negate(create))
        )
        # Reuse (the reference): the ids as given.
        self.vpc_id = choose_string(create, lambda: single(self.vpc, "id", create), lambda: net.vpc_id)
        self.subnet_ids: list[str] = choose_list(create, lambda: self._created_subnet_ids, lambda: list(net.subnet_ids))
        self.task_security_group_ids: list[str] = choose_list(
            create, lambda: [single(self.task_security_group, "id", create)], lambda: list(net.security_group_ids)
        )

    def _create(self, props: NetworkProps) -> None:
        net = props.network
        create = net.create
        name = props.service_name
        self.vpc = aws.Vpc(
            self,
            "vpc",
            count=count(create),
            cidr_block=net.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": f"{name}-vpc"},
        )
        vpc_id = single(self.vpc, "id", create)
        # Adopting the default security group removes its rules (none are declared here).
        aws.DefaultSecurityGroup(self, "default-security-group", count=count(create), vpc_id=vpc_id)
        if symbolic(net.subnet_cidrs) or symbolic(create):
            # The module: one subnet per CIDR, as many as the variable lists.
            subnets = aws.TerraformCount.of(
                aws.Token.as_number(conditional(create, aws.Fn.length_of(net.subnet_cidrs), 0))
            )
            zone = aws.Token.as_string(aws.Fn.element(net.availability_zones, subnets.index))
            self.subnets = [
                aws.Subnet(
                    self,
                    "private",
                    count=subnets,
                    vpc_id=vpc_id,
                    cidr_block=aws.Token.as_string(aws.Fn.element(net.subnet_cidrs, subnets.index)),
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{name}-private-{zone}"},
                )
            ]
            self._created_subnet_ids = every(self.subnets[0], "id")
        else:
            self.subnets = [
                aws.Subnet(
                    self,
                    f"private-{index}",
                    vpc_id=vpc_id,
                    cidr_block=cidr,
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{name}-private-{zone}"},
                )
                for index, (cidr, zone) in enumerate(zip(net.subnet_cidrs, net.availability_zones, strict=True))
            ]
            self._created_subnet_ids = [subnet.id for subnet in self.subnets]
        port = props.container_port
        ingress = choose_list(
            has_items(props.ingress_cidr_blocks),
            lambda: list(props.ingress_cidr_blocks),
            lambda: [net.vpc_cidr],
        )
        self.alb_security_group = aws.SecurityGroup(
            self,
            "alb",
            count=count(create),
            name=f"{name}-alb",
            description="Internal ALB: listener port from the VPC, container port to the VPC",
            vpc_id=vpc_id,
            ingress=aws.blocks(_rule("listener port", props.listener_port, ingress)),
            egress=aws.blocks(_rule("targets on the container port", port, [net.vpc_cidr])),
            tags={"Name": f"{name}-alb"},
        )
        self.alb_security_group_id = single(self.alb_security_group, "id", create)
        self.task_security_group = aws.SecurityGroup(
            self,
            "tasks",
            count=count(create),
            name=f"{name}-tasks",
            description="Google Workspace MCP tasks: container port from the ALB and named callers, HTTPS out",
            vpc_id=vpc_id,
            # Not the VPC CIDR: only the ALB and the internal callers named in the settings.
            ingress=aws.blocks(
                _rule(
                    "container port from the ALB and internal callers",
                    port,
                    [],
                    security_groups=aws.Token.as_list(
                        aws.Fn.concat([[self.alb_security_group_id], net.consumer_security_group_ids])
                    )
                    if symbolic(net.consumer_security_group_ids)
                    else [self.alb_security_group_id, *net.consumer_security_group_ids],
                )
            ),
            egress=aws.blocks(
                _rule("HTTPS to Google APIs, ECR, Secrets Manager, S3", 443, list(net.egress_cidr_blocks))
            ),
            tags={"Name": f"{name}-tasks"},
        )


def _rule(description: str, port: int, cidr_blocks: list[str], security_groups: list[str] | None = None) -> dict:
    # Inline rules list every attribute: the provider treats omitted ones as drift.
    return {
        "description": description,
        "from_port": port,
        "to_port": port,
        "protocol": "tcp",
        "cidr_blocks": cidr_blocks,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": security_groups or [],
        "self": False,
    }
