"""What Terraform's AWS provider calls to create, read, update and delete each resource type the
service stacks synthesize: the referee the pipeline roles are checked against (test_security.py
for the environments, test_edge_options.py for the options). A stack that starts to synthesize a
type missing here fails those tests until its row is added (and the roles allow it)."""

from __future__ import annotations

import re

from tests.infra.iam_eval import evaluate

#: Resource type (``data.`` for a data source) -> the API actions managing it needs.
NEEDS: dict[str, tuple[str, ...]] = {
    "aws_acm_certificate": (
        "acm:AddTagsToCertificate",
        "acm:DeleteCertificate",
        "acm:DescribeCertificate",
        "acm:ListTagsForCertificate",
        "acm:RemoveTagsFromCertificate",
        "acm:RequestCertificate",
    ),
    "aws_acm_certificate_validation": ("acm:DescribeCertificate",),
    "aws_appautoscaling_policy": (
        "application-autoscaling:DeleteScalingPolicy",
        "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:PutScalingPolicy",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:PutMetricAlarm",
    ),
    "aws_appautoscaling_target": (
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:ListTagsForResource",
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:TagResource",
        "application-autoscaling:UntagResource",
        "iam:CreateServiceLinkedRole",
    ),
    "aws_cloudwatch_log_group": (
        "logs:AssociateKmsKey",
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:DescribeLogGroups",
        "logs:DisassociateKmsKey",
        "logs:ListTagsForResource",
        "logs:PutRetentionPolicy",
        "logs:TagResource",
        "logs:UntagResource",
    ),
    "aws_cloudwatch_metric_alarm": (
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
    ),
    "aws_default_security_group": (
        "ec2:CreateTags",
        "ec2:DescribeSecurityGroups",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
    ),
    "aws_ecr_repository": (
        "ecr:CreateRepository",
        "ecr:DeleteRepository",
        "ecr:DescribeRepositories",
        "ecr:ListTagsForResource",
        "ecr:PutImageScanningConfiguration",
        "ecr:PutImageTagMutability",
        "ecr:TagResource",
    ),
    "aws_ecs_cluster": (
        "ecs:CreateCluster",
        "ecs:DeleteCluster",
        "ecs:DescribeClusters",
        "ecs:ListTagsForResource",
        "ecs:TagResource",
        "ecs:UntagResource",
        "ecs:UpdateCluster",
    ),
    "aws_ecs_cluster_capacity_providers": ("ecs:DescribeClusters", "ecs:PutClusterCapacityProviders"),
    "aws_ecs_service": (
        "ecs:CreateService",
        "ecs:DeleteService",
        "ecs:DescribeServices",
        "ecs:TagResource",
        "ecs:UntagResource",
        "ecs:UpdateService",
    ),
    "aws_ecs_task_definition": (
        "ecs:DeregisterTaskDefinition",
        "ecs:DescribeTaskDefinition",
        "ecs:RegisterTaskDefinition",
        "ecs:TagResource",
    ),
    "aws_iam_role": (
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:ListRolePolicies",
        "iam:PutRolePermissionsBoundary",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
    ),
    "aws_iam_role_policy": ("iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy"),
    "aws_kms_alias": ("kms:CreateAlias", "kms:DeleteAlias", "kms:ListAliases", "kms:UpdateAlias"),
    "aws_kms_key": (
        "kms:CreateKey",
        "kms:DescribeKey",
        "kms:EnableKeyRotation",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
        "kms:TagResource",
        "kms:UntagResource",
    ),
    "aws_lb": (
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:RemoveTags",
    ),
    "aws_lb_listener": (
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:ModifyListener",
    ),
    "aws_lb_listener_certificate": (
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:DescribeListenerCertificates",
        "elasticloadbalancing:RemoveListenerCertificates",
    ),
    "aws_lb_listener_rule": (
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:SetRulePriorities",
    ),
    "aws_lb_target_group": (
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:CreateTargetGroup",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
    ),
    "aws_route53_record": (
        "route53:ChangeResourceRecordSets",
        "route53:GetChange",
        "route53:GetHostedZone",
        "route53:ListResourceRecordSets",
    ),
    "aws_route53_zone": (
        "route53:ChangeTagsForResource",
        "route53:CreateHostedZone",
        "route53:DeleteHostedZone",
        "route53:GetChange",
        "route53:GetHostedZone",
        "route53:ListResourceRecordSets",
        "route53:ListTagsForResource",
    ),
    "aws_s3_bucket": (
        "s3:CreateBucket",
        "s3:DeleteBucket",
        "s3:GetBucketAcl",
        "s3:GetBucketCORS",
        "s3:GetBucketLogging",
        "s3:GetBucketPolicy",
        "s3:GetBucketTagging",
        "s3:GetBucketVersioning",
        "s3:GetEncryptionConfiguration",
        "s3:ListBucket",
        "s3:PutBucketTagging",
    ),
    "aws_s3_bucket_lifecycle_configuration": ("s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"),
    "aws_s3_bucket_ownership_controls": ("s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
    "aws_s3_bucket_policy": ("s3:DeleteBucketPolicy", "s3:GetBucketPolicy", "s3:PutBucketPolicy"),
    "aws_s3_bucket_public_access_block": ("s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    "aws_s3_bucket_server_side_encryption_configuration": (
        "s3:GetEncryptionConfiguration",
        "s3:PutEncryptionConfiguration",
    ),
    "aws_s3_bucket_versioning": ("s3:GetBucketVersioning", "s3:PutBucketVersioning"),
    "aws_secretsmanager_secret": (
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
    ),
    "aws_secretsmanager_secret_policy": (
        "secretsmanager:DeleteResourcePolicy",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:PutResourcePolicy",
    ),
    "aws_security_group": (
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:CreateSecurityGroup",
        "ec2:CreateTags",
        "ec2:DeleteSecurityGroup",
        "ec2:DeleteTags",
        "ec2:DescribeSecurityGroups",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
    ),
    # Cloud Map creates the namespace's private hosted zone with the caller's permissions.
    "aws_service_discovery_private_dns_namespace": (
        "ec2:DescribeVpcs",
        "route53:CreateHostedZone",
        "route53:DeleteHostedZone",
        "route53:GetHostedZone",
        "route53:ListHostedZonesByName",
        "servicediscovery:CreatePrivateDnsNamespace",
        "servicediscovery:DeleteNamespace",
        "servicediscovery:GetNamespace",
        "servicediscovery:GetOperation",
        "servicediscovery:ListTagsForResource",
        "servicediscovery:TagResource",
    ),
    "aws_service_discovery_service": (
        "servicediscovery:CreateService",
        "servicediscovery:DeleteService",
        "servicediscovery:GetService",
        "servicediscovery:ListTagsForResource",
        "servicediscovery:TagResource",
        "servicediscovery:UpdateService",
    ),
    "aws_sns_topic": (
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:GetTopicAttributes",
        "sns:ListTagsForResource",
        "sns:SetTopicAttributes",
        "sns:TagResource",
        "sns:UntagResource",
    ),
    "aws_sns_topic_policy": ("sns:GetTopicAttributes", "sns:SetTopicAttributes"),
    "aws_sns_topic_subscription": (
        "sns:GetSubscriptionAttributes",
        "sns:SetSubscriptionAttributes",
        "sns:Subscribe",
        "sns:Unsubscribe",
    ),
    "aws_subnet": ("ec2:CreateSubnet", "ec2:CreateTags", "ec2:DeleteSubnet", "ec2:DescribeSubnets"),
    "aws_vpc": (
        "ec2:CreateTags",
        "ec2:CreateVpc",
        "ec2:DeleteVpc",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeVpcs",
        "ec2:ModifyVpcAttribute",
    ),
    "aws_wafv2_web_acl": (
        "wafv2:CreateWebACL",
        "wafv2:DeleteWebACL",
        "wafv2:GetWebACL",
        "wafv2:ListTagsForResource",
        "wafv2:TagResource",
        "wafv2:UntagResource",
        "wafv2:UpdateWebACL",
    ),
    "aws_wafv2_web_acl_association": (
        "elasticloadbalancing:SetWebACL",
        "wafv2:AssociateWebACL",
        "wafv2:DisassociateWebACL",
        "wafv2:GetWebACLForResource",
    ),
    # Delivery to CloudWatch Logs: a log delivery and the log group's resource policy.
    "aws_wafv2_web_acl_logging_configuration": (
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:PutResourcePolicy",
        "wafv2:DeleteLoggingConfiguration",
        "wafv2:GetLoggingConfiguration",
        "wafv2:PutLoggingConfiguration",
    ),
    "data.aws_caller_identity": (),  # sts:GetCallerIdentity needs no permission
    "data.aws_ecr_repository": ("ecr:DescribeRepositories", "ecr:ListTagsForResource"),
    "data.aws_ecs_cluster": ("ecs:DescribeClusters",),
    "data.aws_elb_service_account": (),  # a table in the provider
    "data.aws_lb": ("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags"),
    "data.aws_lb_listener": ("elasticloadbalancing:DescribeListeners",),
    "data.aws_region": (),
    "data.aws_vpc": ("ec2:DescribeVpcs",),
}
#: Request context of the conditional statements (the boundary on roles, the role passed to ECS tasks).
SERVICE = "ecs.application-autoscaling.amazonaws.com"


def is_read(action: str) -> bool:
    return action.split(":")[1].startswith(("Describe", "Get", "List"))


def synthesized_types(world) -> dict[str, dict[str, dict]]:
    """Every resource and data source of the environment's service stack, by type (data: ``data.``)."""
    found = dict(world.stack.json.get("resource", {}))
    found |= {f"data.{type_}": items for type_, items in world.stack.json.get("data", {}).items()}
    return found


def _reference(value: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"\$\{(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+\}", value or "")
    return (match[1], match[2]) if match else None


def resource_arn(world, type_: str, resource: dict) -> str:
    """The ARN AWS gives the resource (what the roles' scoped statements must match)."""
    region, account, stack = world.settings.aws.region, world.account, world.stack

    def named(kind: str, key: str, attribute: str) -> str:
        value = resource.get(key, "")
        found = _reference(value)
        return stack.resources(kind)[found[1]][attribute] if found and found[0] == kind else value

    if type_.startswith("aws_s3_bucket"):
        bucket = resource["bucket"] if type_ == "aws_s3_bucket" else named("aws_s3_bucket", "bucket", "bucket")
        return f"arn:aws:s3:::{bucket}"
    if type_ in ("aws_iam_role", "aws_iam_role_policy"):
        role = resource["name"] if type_ == "aws_iam_role" else named("aws_iam_role", "role", "name")
        return f"arn:aws:iam::{account}:role/{role}"
    if type_.startswith("aws_sns_topic"):
        topic = (
            resource["name"]
            if type_ == "aws_sns_topic"
            else named("aws_sns_topic", "topic_arn" if "topic_arn" in resource else "arn", "name")
        )
        return f"arn:aws:sns:{region}:{account}:{topic}"
    if type_ == "aws_route53_record":
        zone = resource["zone_id"]
        return f"arn:aws:route53:::hostedzone/{'ZCREATED' if _reference(zone) else zone}"
    if type_ == "aws_route53_zone":
        return "arn:aws:route53:::hostedzone/ZCREATED"
    if type_.startswith("aws_wafv2_web_acl"):
        return f"arn:aws:wafv2:{region}:{account}:regional/webacl/{world.settings.service.name}/abc"
    if type_ == "aws_ecr_repository":
        return f"arn:aws:ecr:{region}:{account}:repository/{resource['name']}"
    service = type_.removeprefix("data.").removeprefix("aws_").split("_")[0]
    return f"arn:aws:{service}:{region}:{account}:{type_}/example"


def refused(world, principal, actions_of) -> list[str]:
    """``type action arn: reason`` for every action ``actions_of(type)`` the principal may not take."""
    context = {
        "iam:PermissionsBoundary": world.boundary_arn,
        "iam:PassedToService": "ecs-tasks.amazonaws.com",
        "iam:AWSServiceName": SERVICE,
    }
    found = []
    for type_, items in synthesized_types(world).items():
        for resource in items.values():
            arn = resource_arn(world, type_, resource)
            for action in actions_of(type_):
                decision = evaluate(principal, action, arn, context)
                if not decision.allowed:
                    found.append(f"{type_} {action} {arn}: {decision.reason}")
    return sorted(set(found))
