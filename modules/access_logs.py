"""Access logs of the ALB the stack creates (``[edge] access_logs_bucket_name``).

A private bucket of their own (modules/bucket.py: versioned, TLS only, public access blocked)
with SSE-S3, the only encryption ALB log delivery supports; objects expire after
``access_logs_expiration_days``. Its policy lets only the region's Elastic Load Balancing log
delivery write, and only under ``AWSLogs/<this account>/``. A shared ALB's logs are its owner's
decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules import aws
from modules.bucket import PrivateBucket, PrivateBucketProps
from modules.config import EdgeSettings, EnvironmentSettings
from modules.load_balancer import LoadBalancer
from modules.symbolic import both, choose_list, count, is_set, single, when


@dataclass(frozen=True)
class AccessLogsProps:
    """What the access logs read: ``[edge]``, whether the stack creates the ALB, and the token bucket's
    ``force_destroy`` (test environments empty both buckets on destroy)."""

    edge: EdgeSettings
    #: ``load_balancer.create`` (a Terraform bool expression in the module).
    load_balancer_created: Any
    force_destroy: bool = False

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> AccessLogsProps:
        return cls(settings.edge, settings.load_balancer.create, settings.token_bucket.force_destroy)


class AccessLogs(aws.Construct):
    """Declared with ``count`` of ``load_balancer.create && access_logs_bucket_name != ""``."""

    def __init__(self, scope: aws.Construct, id: str, props: AccessLogsProps, load_balancer: LoadBalancer):
        super().__init__(scope, id)
        edge = props.edge
        enabled = both(props.load_balancer_created, is_set(edge.access_logs_bucket_name))
        self.enabled = enabled
        if not when(enabled):
            return
        self.bucket = PrivateBucket(
            self,
            "bucket",
            PrivateBucketProps(
                bucket_name=edge.access_logs_bucket_name,
                noncurrent_version_expiration_days=1,
                expiration_days=edge.access_logs_expiration_days,
                force_destroy=props.force_destroy,
                create=enabled,
            ),
        )
        account = single(aws.DataAwsCallerIdentity(self, "account", count=count(enabled)), "account_id", enabled)
        delivery = single(aws.DataAwsElbServiceAccount(self, "elb-account", count=count(enabled)), "arn", enabled)
        logs = f"{self.bucket.arn}/AWSLogs/{account}/*"
        policy = self.bucket.attach_policy(
            [
                # Regions before August 2022 deliver as the region's ELB account, newer ones as a service.
                {
                    "Sid": "AlbLogDelivery",
                    "Effect": "Allow",
                    "Principal": {"AWS": delivery},
                    "Action": "s3:PutObject",
                    "Resource": logs,
                },
                {
                    "Sid": "AlbLogDeliveryService",
                    "Effect": "Allow",
                    "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": logs,
                },
            ]
        )
        # The bucket name read from the policy: the ALB enables logging only once it may write.
        bucket = single(policy, "bucket", enabled)
        load_balancer.alb.add_override(
            "dynamic.access_logs",
            {
                "for_each": choose_list(enabled, lambda: [bucket], lambda: []),
                "content": {"bucket": "${access_logs.value}", "enabled": True},
            },
        )
