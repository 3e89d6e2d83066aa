"""The custom domain: certificate, DNS alias, host-header rules; the domain becomes the public URL.

Given ``[domain] name`` and a Route 53 hosted zone (an existing one, or one created here), the
stack requests an ACM certificate validated through that zone (or takes ``certificate_arn``),
attaches it to the HTTPS listener next to the listener's own certificate (the ALB picks it by
SNI), points an alias record at the ALB, and adds a host-header condition to both listener rules,
so the prefix is routed for that host only. The domain serves the same prefix as before
(``https://<name>/google-workspace/mcp``); modules/derived.py builds the public URL from it.
A plain-HTTP listener (the emulated local environment) has no TLS to attach the certificate to:
the certificate is still requested and validated, the URL keeps the listener's scheme.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules import aws
from modules.config import DomainSettings, EnvironmentSettings
from modules.load_balancer import LoadBalancer
from modules.symbolic import (
    both,
    choose_list,
    choose_string,
    count,
    equals,
    is_set,
    is_unset,
    or_default,
    single,
    symbolic,
    when,
)


@dataclass(frozen=True)
class DomainProps:
    """What the domain reads: its section and two facts about the listener it attaches to."""

    domain: DomainSettings
    #: ``load_balancer.listener_protocol``: the certificate is attached to an HTTPS listener only.
    listener_protocol: str = "HTTPS"
    #: ``load_balancer.create``: the alias points at the created ALB, else at the looked-up one.
    load_balancer_created: Any = False

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> DomainProps:
        lb = settings.load_balancer
        return cls(settings.domain, lb.listener_protocol, lb.create)


class Domain(aws.Construct):
    """Exposes ``enabled``, ``public_host(dns_name)`` and ``certificate_arn`` (meaningful when enabled)."""

    def __init__(self, scope: aws.Construct, id: str, props: DomainProps, load_balancer: LoadBalancer):
        super().__init__(scope, id)
        dom = props.domain
        self.name = dom.name
        self.enabled = enabled = is_set(dom.name)
        if not when(enabled):
            return
        create_zone = both(enabled, is_set(dom.create_hosted_zone_name))
        if when(create_zone):
            self.zone = aws.Route53Zone(self, "zone", count=count(create_zone), name=dom.create_hosted_zone_name)
        zone_id = choose_string(
            create_zone, lambda: single(self.zone, "zone_id", create_zone), lambda: dom.hosted_zone_id
        )

        request = both(enabled, is_unset(dom.certificate_arn))
        if when(request):
            self.certificate = aws.AcmCertificate(
                self,
                "certificate",
                count=count(request),
                domain_name=dom.name,
                validation_method="DNS",
                lifecycle={"create_before_destroy": True},
            )
            # One name, one validation record (ACM's CNAME), written into the zone.
            options = self._validation_options(request)
            self.validation_record = aws.Route53Record(
                self,
                "validation-record",
                count=count(request),
                zone_id=zone_id,
                name=aws.Token.as_string(aws.Fn.lookup(options, "resource_record_name", None)),
                type=aws.Token.as_string(aws.Fn.lookup(options, "resource_record_type", None)),
                records=[aws.Token.as_string(aws.Fn.lookup(options, "resource_record_value", None))],
                ttl=60,
                allow_overwrite=True,
            )
            self.validation = aws.AcmCertificateValidation(
                self,
                "validation",
                count=count(request),
                certificate_arn=single(self.certificate, "arn", request),
                validation_record_fqdns=[single(self.validation_record, "fqdn", request)],
            )
        # The validated ARN: whatever uses it waits for ACM to issue the certificate.
        self.certificate_arn = or_default(
            dom.certificate_arn, lambda: single(self.validation, "certificate_arn", request)
        )
        attach = both(enabled, equals(props.listener_protocol, "HTTPS"))
        if when(attach):
            aws.LbListenerCertificate(
                self,
                "listener-certificate",
                count=count(attach),
                listener_arn=load_balancer.listener_arn,
                certificate_arn=self.certificate_arn,
            )
        create_alb = props.load_balancer_created
        alb_zone_id = choose_string(
            create_alb,
            lambda: single(load_balancer.alb, "zone_id", create_alb),
            lambda: single(load_balancer.lookup, "zone_id", create_alb),
        )
        aws.Route53Record(
            self,
            "alias",
            count=count(enabled),
            zone_id=zone_id,
            name=dom.name,
            type="A",
            alias={"name": load_balancer.dns_name, "zone_id": alb_zone_id, "evaluate_target_health": True},
        )
        # Both rules route the prefix for this host only (a dynamic block: the module decides at plan).
        hosts = choose_list(enabled, lambda: [dom.name], lambda: [])
        for rule in load_balancer.rules:
            rule.add_override(
                "dynamic.condition",
                {"for_each": hosts, "content": {"host_header": {"values": ["${condition.value}"]}}},
            )

    def _validation_options(self, request):
        """The certificate's single ``domain_validation_options`` entry (a set in the provider schema)."""
        if symbolic(request):
            options = aws.Fn.one(self.certificate.get_list_attribute("*.domain_validation_options"))
        else:
            options = self.certificate.domain_validation_options
        return aws.Fn.element(aws.Fn.tolist(options), 0)

    def public_host(self, dns_name: str) -> str:
        """The host of the public URL: the domain when set, else the ALB's DNS name."""
        if not when(self.enabled):
            return dns_name
        return choose_string(self.enabled, lambda: self.name, lambda: dns_name)
