"""The base of every stack: AWS provider settings and readable Terraform names."""

from __future__ import annotations

import jsii

from modules import aws
from modules.config import EnvironmentSettings
from modules.derived import SCOPE as DERIVED_SCOPE

#: Services the stacks call; each is pointed at the emulated endpoint in ``local``.
ENDPOINT_SERVICES = (
    "applicationautoscaling",
    "cloudwatch",
    "cloudwatchlogs",
    "ec2",
    "ecr",
    "ecs",
    "elbv2",
    "iam",
    "kms",
    "s3",
    "secretsmanager",
    "servicediscovery",
    "sns",
    "sts",
)


class BaseStack(aws.TerraformStack):
    """A stack whose resources are named after their construct path
    (``service_service`` rather than ``service_service_1A2B3C4D``) so the JSON reads well
    and other Terraform code can address it; plus the shared provider configuration.
    """

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings):
        super().__init__(scope, id)
        self.settings = settings
        endpoint = settings.endpoint_url()
        options: dict = {}
        if endpoint:
            options = {
                "endpoints": aws.blocks({service: endpoint for service in ENDPOINT_SERVICES}),
                "s3_use_path_style": True,
                "skip_credentials_validation": True,
                "skip_metadata_api_check": "true",
                "skip_requesting_account_id": True,
            }
        self.provider = aws.AwsProvider(
            self,
            "aws",
            region=settings.aws.region,
            allowed_account_ids=list(settings.aws.allowed_account_ids) or None,
            max_retries=settings.aws.max_retries or None,
            default_tags=aws.blocks({"tags": {**settings.aws.default_tags, "Environment": settings.name}}),
            **options,
        )
        # cdktf pins the binding's exact version; consumers on provider 6 can use the JSON too.
        self.add_override(
            "terraform.required_providers.aws",
            {"source": aws.PROVIDER_SOURCE, "version": aws.PROVIDER_VERSION_CONSTRAINT},
        )

    @jsii.member(jsii_name="allocateLogicalId")
    def _allocate_logical_id(self, tf_element) -> str:
        node = tf_element if isinstance(tf_element, aws.Node) else tf_element.node
        parts = [part for part in node.path.split("/")[1:] if part != "Default"]
        if parts[0] == DERIVED_SCOPE:
            return parts[-1]  # local.public_url
        return "_".join(parts).replace("-", "_")
