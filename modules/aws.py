"""The one place that imports the CDKTF bindings (provider + core).

CDKTF is archived upstream; switching to a maintained fork (or another binding of the
same AWS provider) means changing the imports in this file only. Constructs pass plain
dicts for nested blocks, so they depend on the Terraform schema, not on binding classes.

CDK_BINDING=cdktn synthesizes with CDK Terrain (`cdktn`, `cdktn-provider-aws`), CDKTF's
successor with the same API under new package names; the default, cdktf, is the tested one
(README: "CDKTF end of life").
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from pathlib import Path

# jsii starts `node` (or $JSII_NODE) on the first binding import below. `make node22` installs
# a supported Node here when the machine's is older; use it for direct runs (python main.py,
# pytest) too, not only under make, so synthesis never runs on an end-of-life Node.
_PROJECT_NODE = Path(__file__).resolve().parent.parent / ".tools" / "node22" / "node_modules" / ".bin" / "node"
if "JSII_NODE" not in os.environ and _PROJECT_NODE.is_file():
    os.environ["JSII_NODE"] = str(_PROJECT_NODE)

# The packages each binding publishes under the names imported below (CDKTF's).
BINDINGS: dict[str, dict[str, str]] = {
    "cdktf": {},
    "cdktn": {"cdktf": "cdktn", "cdktf_cdktf_provider_aws": "cdktn_provider_aws"},
}


class _RenamedPackages(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves `cdktf...` imports with the same module of the successor's package, so the one
    import list below works for either binding and each module is loaded once, by its real name."""

    def __init__(self, renames: dict[str, str]) -> None:
        self.renames = renames

    def _real_name(self, name: str) -> str | None:
        top, dot, rest = name.partition(".")
        return self.renames[top] + dot + rest if top in self.renames else None

    def find_spec(self, fullname, path=None, target=None) -> importlib.machinery.ModuleSpec | None:
        real = self._real_name(fullname)
        return None if real is None else importlib.util.spec_from_loader(fullname, self, origin=real)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(str(spec.origin))
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # Already executed under its real name; give it back the spec the import system replaced.
        alias_spec = module.__spec__
        assert alias_spec is not None
        module.__spec__ = alias_spec.loader_state


def _select_binding() -> str:
    binding = os.environ.get("CDK_BINDING", "cdktf")
    if binding not in BINDINGS:
        raise ValueError(f"CDK_BINDING={binding!r}: expected one of {', '.join(BINDINGS)}")
    if BINDINGS[binding]:
        sys.meta_path.insert(0, _RenamedPackages(BINDINGS[binding]))
    return binding


BINDING = _select_binding()

from cdktf import (  # noqa: F401  (re-exported)
    App,
    Fn,
    IResolvable,
    LocalBackend,
    Op,
    S3Backend,
    TerraformCount,
    TerraformIterator,
    TerraformLocal,
    TerraformOutput,
    TerraformResourceLifecycle,
    TerraformStack,
    TerraformVariable,
    Token,
)

# Alarm topic, custom domain, edge protection.
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate  # noqa: F401
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation  # noqa: F401
from cdktf_cdktf_provider_aws.appautoscaling_policy import AppautoscalingPolicy  # noqa: F401
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget  # noqa: F401
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup  # noqa: F401
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm  # noqa: F401
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity  # noqa: F401
from cdktf_cdktf_provider_aws.data_aws_ecr_repository import DataAwsEcrRepository  # noqa: F401
from cdktf_cdktf_provider_aws.data_aws_ecs_cluster import DataAwsEcsCluster  # noqa: F401
from cdktf_cdktf_provider_aws.data_aws_elb_service_account import DataAwsElbServiceAccount  # noqa: F401
from cdktf_cdktf_provider_aws.data_aws_lb import DataAwsLb  # noqa: F401
from cdktf_cdktf_provider_aws.data_aws_lb_listener import DataAwsLbListener  # noqa: F401
from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion  # noqa: F401
from cdktf_cdktf_provider_aws.data_aws_vpc import DataAwsVpc  # noqa: F401
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup  # noqa: F401
from cdktf_cdktf_provider_aws.ecr_repository import EcrRepository  # noqa: F401
from cdktf_cdktf_provider_aws.ecs_cluster import EcsCluster  # noqa: F401
from cdktf_cdktf_provider_aws.ecs_cluster_capacity_providers import EcsClusterCapacityProviders  # noqa: F401
from cdktf_cdktf_provider_aws.ecs_service import EcsService  # noqa: F401
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinition  # noqa: F401
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider  # noqa: F401
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy  # noqa: F401
from cdktf_cdktf_provider_aws.iam_role import IamRole  # noqa: F401
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy  # noqa: F401
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment  # noqa: F401
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias  # noqa: F401
from cdktf_cdktf_provider_aws.kms_key import KmsKey  # noqa: F401
from cdktf_cdktf_provider_aws.lb import Lb  # noqa: F401
from cdktf_cdktf_provider_aws.lb_listener import LbListener  # noqa: F401
from cdktf_cdktf_provider_aws.lb_listener_certificate import LbListenerCertificate  # noqa: F401
from cdktf_cdktf_provider_aws.lb_listener_rule import LbListenerRule  # noqa: F401
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup  # noqa: F401
from cdktf_cdktf_provider_aws.provider import AwsProvider  # noqa: F401
from cdktf_cdktf_provider_aws.route53_record import Route53Record  # noqa: F401
from cdktf_cdktf_provider_aws.route53_zone import Route53Zone  # noqa: F401
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket  # noqa: F401
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import S3BucketLifecycleConfiguration  # noqa: F401
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls  # noqa: F401
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy  # noqa: F401
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock  # noqa: F401
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (  # noqa: F401
    S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA as S3BucketVersioning  # noqa: F401
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret  # noqa: F401
from cdktf_cdktf_provider_aws.secretsmanager_secret_policy import SecretsmanagerSecretPolicy  # noqa: F401
from cdktf_cdktf_provider_aws.security_group import SecurityGroup  # noqa: F401
from cdktf_cdktf_provider_aws.service_discovery_private_dns_namespace import (  # noqa: F401
    ServiceDiscoveryPrivateDnsNamespace,
)
from cdktf_cdktf_provider_aws.service_discovery_service import ServiceDiscoveryService  # noqa: F401
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic  # noqa: F401
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy  # noqa: F401
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription  # noqa: F401
from cdktf_cdktf_provider_aws.subnet import Subnet  # noqa: F401
from cdktf_cdktf_provider_aws.vpc import Vpc  # noqa: F401
from cdktf_cdktf_provider_aws.wafv2_web_acl import Wafv2WebAcl  # noqa: F401
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation  # noqa: F401
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (  # noqa: F401
    Wafv2WebAclLoggingConfiguration,
)
from constructs import Construct, Node  # noqa: F401

# Tested with 5.100.0 (the binding's version); 6.x accepts the same JSON.
PROVIDER_SOURCE = "hashicorp/aws"
PROVIDER_VERSION_CONSTRAINT = ">= 5.100.0, < 7.0.0"

# Free-form maps whose keys are data (tag names), not schema attributes.
_MAP_ATTRIBUTES = frozenset({"tags"})


# Terraform attributes the binding renames (reserved words in jsii).
_RENAMED = {"self": "selfAttribute"}


def _camel(name: str) -> str:
    if name in _RENAMED:
        return _RENAMED[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def blocks(*items: dict) -> list[dict]:
    """A list of nested blocks written as plain dicts with Terraform attribute names.

    jsii converts a struct given as a dict only at the top level; inside lists it expects
    the binding's (camelCase) property names, so the keys are translated here.
    """

    def convert(value, key=""):
        if isinstance(value, dict):
            if key in _MAP_ATTRIBUTES:
                return dict(value)
            return {_camel(k): convert(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v, key) for v in value]
        return value

    return [convert(item) for item in items]
