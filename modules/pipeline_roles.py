"""The ``<env>-pipeline`` stack: the GitHub OIDC provider (created or reused) and the roles
the workflows assume, applied by an administrator (state in the state bucket, own key).

- **plan** (``plan.yml``): trusted for ``repo:<repository>:pull_request`` only; reads the
  configuration and this environment's state object; explicitly denied secret values, every
  object of the token bucket and every action outside its read list (``NotAction``).
- **deploy** (``deploy.yml``): trusted for ``repo:<repository>:environment:<env>`` only (a
  protected GitHub environment); the actions the stacks need, scoped to this environment's
  names; it works under the permissions boundary this stack creates, may create or edit a
  role or its policies only when the role carries that boundary, and can never remove it,
  edit the boundary or touch the pipeline roles.
"""

from __future__ import annotations

import dataclasses
import re

from modules import aws
from modules.config import EnvironmentSettings
from modules.iam import boundary_arn, ecr_repository, policy_document, statement
from modules.provider import BaseStack
from modules.state import configure_s3_backend
from modules.symbolic import count, is_unset, or_default, single, to_json, when

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
TOKEN_ISSUER = "token.actions.githubusercontent.com"

#: What a plan refreshes: describe/get/list of every resource type the stacks manage.
READ_ACTIONS = (
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:ListTagsForResource",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:ListTagsForResource",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeTags",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcs",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "ecs:DescribeClusters",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:ListTagsForResource",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketLogging",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "servicediscovery:GetNamespace",
    "servicediscovery:GetOperation",
    "servicediscovery:GetService",
    "servicediscovery:ListTagsForResource",
    "sns:GetTopicAttributes",
    "sns:ListTagsForResource",
)

#: Changes to the stacks' resources, by service (resource scoping in ``deploy_statements``).
WRITE_ACTIONS = {
    "AutoScaling": (
        "application-autoscaling:DeleteScalingPolicy",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:TagResource",
        "application-autoscaling:UntagResource",
    ),
    "Alarms": (
        "cloudwatch:DeleteAlarms",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:SetTopicAttributes",
        "sns:TagResource",
        "sns:UntagResource",
    ),
    "Ecs": (
        "ecs:CreateCluster",
        "ecs:CreateService",
        "ecs:DeleteCluster",
        "ecs:DeleteService",
        "ecs:DeregisterTaskDefinition",
        "ecs:PutClusterCapacityProviders",
        "ecs:RegisterTaskDefinition",
        "ecs:TagResource",
        "ecs:UntagResource",
        "ecs:UpdateCluster",
        "ecs:UpdateService",
    ),
    "LoadBalancing": (
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:CreateTargetGroup",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:RemoveTags",
        "elasticloadbalancing:SetRulePriorities",
    ),
    "CloudMap": (
        "servicediscovery:CreatePrivateDnsNamespace",
        "servicediscovery:CreateService",
        "servicediscovery:DeleteNamespace",
        "servicediscovery:DeleteService",
        "servicediscovery:TagResource",
        "servicediscovery:UntagResource",
        "servicediscovery:UpdateService",
    ),
    "Logs": (
        "logs:AssociateKmsKey",
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:DisassociateKmsKey",
        "logs:PutRetentionPolicy",
        "logs:TagResource",
        "logs:UntagResource",
    ),
    "Secrets": (
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteResourcePolicy",
        "secretsmanager:DeleteSecret",
        "secretsmanager:PutResourcePolicy",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
    ),
    "Keys": (
        "kms:CreateAlias",
        "kms:CreateKey",
        "kms:DeleteAlias",
        "kms:EnableKeyRotation",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:UpdateAlias",
    ),
    "Network": (
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:CreateSecurityGroup",
        "ec2:CreateSubnet",
        "ec2:CreateTags",
        "ec2:CreateVpc",
        "ec2:DeleteSecurityGroup",
        "ec2:DeleteSubnet",
        "ec2:DeleteTags",
        "ec2:DeleteVpc",
        "ec2:ModifyVpcAttribute",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
    ),
}
#: What the optional parts of the stacks read and change, by option: in the plan and deploy roles (and the
#: boundary) only for an environment that uses the option, scoped by ``option_statements``.
OPTION_ACTIONS: dict[str, tuple[str, ...]] = {
    # [domain] without certificate_arn requests one; with or without, it is added to the listener.
    "Certificate": (
        "acm:AddTagsToCertificate",
        "acm:DeleteCertificate",
        "acm:DescribeCertificate",
        "acm:ListTagsForCertificate",
        "acm:RemoveTagsFromCertificate",
        "acm:RequestCertificate",
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:DescribeListenerCertificates",
        "elasticloadbalancing:RemoveListenerCertificates",
    ),
    # [domain]: the alias and the certificate's validation record in its zone.
    "Dns": (
        "route53:ChangeResourceRecordSets",
        "route53:ChangeTagsForResource",
        "route53:GetChange",
        "route53:GetHostedZone",
        "route53:ListResourceRecordSets",
        "route53:ListTagsForResource",
    ),
    # A created zone ([domain] create_hosted_zone_name), or a Cloud Map namespace's private zone,
    # which Cloud Map creates and deletes with the caller's rights.
    "HostedZone": (
        "ec2:DescribeRegions",
        "route53:CreateHostedZone",
        "route53:DeleteHostedZone",
        "route53:GetHostedZone",
        "route53:ListHostedZonesByName",
    ),
    # [edge] waf: the web ACL on the created ALB ...
    "WebAcl": (
        "elasticloadbalancing:SetWebACL",
        "wafv2:AssociateWebACL",
        "wafv2:CreateWebACL",
        "wafv2:DeleteLoggingConfiguration",
        "wafv2:DeleteWebACL",
        "wafv2:DisassociateWebACL",
        "wafv2:GetLoggingConfiguration",
        "wafv2:GetWebACL",
        "wafv2:GetWebACLForResource",
        "wafv2:ListTagsForResource",
        "wafv2:PutLoggingConfiguration",
        "wafv2:TagResource",
        "wafv2:UntagResource",
        "wafv2:UpdateWebACL",
    ),
    # ... and the delivery of its logs to CloudWatch Logs (these actions have no resource type).
    "WebAclLogDelivery": (
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeResourcePolicies",
        "logs:PutResourcePolicy",
    ),
    # [alarms] email_subscriptions on the created topic.
    "AlarmSubscriptions": (
        "sns:GetSubscriptionAttributes",
        "sns:SetSubscriptionAttributes",
        "sns:Subscribe",
        "sns:Unsubscribe",
    ),
}
TOKEN_BUCKET_ACTIONS = (
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
)
STATE_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
ECR_PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:CreateRepository",
    "ecr:DeleteRepository",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability",
    "ecr:TagResource",
    "ecr:UploadLayerPart",
)
#: Role changes allowed only for roles that carry the boundary (``iam:PermissionsBoundary``).
BOUNDED_ROLE_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
)
OTHER_ROLE_ACTIONS = ("iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole")
#: What the task and execution roles do at run time (the boundary must leave it to them).
RUNTIME_ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecr:GetDownloadUrlForLayer",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
    "secretsmanager:GetSecretValue",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
POLICY_EDIT_ACTIONS = (
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)


def deny(sid: str, actions, resources, condition: dict | None = None) -> dict:
    result = {"Sid": sid, "Effect": "Deny", "Action": sorted(actions), "Resource": resources}
    if condition:
        result["Condition"] = condition
    return result


class PipelineStack(BaseStack):
    """Exposes ``plan_role``, ``deploy_role``, ``boundary`` and ``oidc_provider_arn``."""

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings):
        super().__init__(scope, id, settings)
        # Its own state object next to the environment's (an administrator applies it).
        own_key = settings.state_key.removesuffix(".tfstate") + "-pipeline.tfstate"
        configure_s3_backend(
            self, dataclasses.replace(settings, state=dataclasses.replace(settings.state, key=own_key))
        )
        pl = settings.pipeline
        self.account_id = aws.DataAwsCallerIdentity(self, "account").account_id
        self.names = PipelineNames(settings, self.account_id)

        create_provider = is_unset(pl.oidc_provider_arn)
        provider = None
        if when(create_provider):
            provider = aws.IamOpenidConnectProvider(
                self,
                "github-oidc",
                count=count(create_provider),
                url=GITHUB_OIDC_URL,
                client_id_list=[GITHUB_AUDIENCE],
            )
        self.oidc_provider_arn = or_default(pl.oidc_provider_arn, lambda: single(provider, "arn", create_provider))

        self.boundary = aws.IamPolicy(
            self,
            "boundary",
            name=pl.permissions_boundary_name,
            description="Upper limit of the deploy role and of every role it creates or edits",
            policy=policy_document(boundary_statements(settings, self.names)),
        )
        self.plan_role = aws.IamRole(
            self,
            "plan-role",
            name=pl.plan_role_name,
            description=f"terraform plan of {settings.name} on pull requests of {pl.github_repository} (read only)",
            assume_role_policy=github_trust(self.oidc_provider_arn, f"repo:{pl.github_repository}:pull_request"),
            max_session_duration=3600,
        )
        aws.IamRolePolicy(
            self,
            "plan-policy",
            name="read-configuration-and-state",
            role=self.plan_role.id,
            policy=policy_document(plan_statements(settings, self.names)),
        )
        self.deploy_role = aws.IamRole(
            self,
            "deploy-role",
            name=pl.deploy_role_name,
            description=f"Deploys {settings.name} from the protected GitHub environment {settings.github_environment}",
            assume_role_policy=github_trust(
                self.oidc_provider_arn, f"repo:{pl.github_repository}:environment:{settings.github_environment}"
            ),
            permissions_boundary=self.boundary.arn,
            max_session_duration=3600,
        )
        aws.IamRolePolicy(
            self,
            "deploy-policy",
            name="deploy-within-boundary",
            role=self.deploy_role.id,
            policy=policy_document(deploy_statements(settings, self.names)),
        )
        options = option_statements(settings, self.names)
        if options:
            # A managed policy of its own: IAM caps a role's inline policies at 10,240 characters together.
            self.deploy_options = aws.IamPolicy(
                self,
                "deploy-options",
                name=f"{pl.deploy_role_name}-options",
                description=f"What the deploy role of {settings.name} needs for the options the environment uses",
                policy=policy_document(options),
            )
            aws.IamRolePolicyAttachment(
                self, "deploy-options-attachment", role=self.deploy_role.name, policy_arn=self.deploy_options.arn
            )
        for name, value, description in (
            ("plan_role_arn", self.plan_role.arn, "AWS_PLAN_ROLE_ARN of the plan workflow"),
            (
                "deploy_role_arn",
                self.deploy_role.arn,
                f"AWS_DEPLOY_ROLE_ARN of the GitHub environment {settings.github_environment}",
            ),
            ("permissions_boundary_arn", self.boundary.arn, "Boundary of the deploy role and every role it manages"),
            ("oidc_provider_arn", self.oidc_provider_arn, "GitHub Actions OIDC provider"),
        ):
            aws.TerraformOutput(self, name, value=value, description=description)


@dataclasses.dataclass(frozen=True)
class PipelineNames:
    """ARNs the policies are scoped to, from the environment's settings."""

    settings: EnvironmentSettings
    account_id: str

    def role(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{name}"

    @property
    def boundary(self) -> str:
        return boundary_arn(self.account_id, self.settings)

    @property
    def service_roles(self) -> list[str]:
        return [self.role(self.settings.task.task_role_name), self.role(self.settings.task.execution_role_name)]

    @property
    def pipeline_roles(self) -> list[str]:
        pl = self.settings.pipeline
        return [self.role(pl.plan_role_name), self.role(pl.deploy_role_name)]

    @property
    def state_object(self) -> str:
        return f"arn:aws:s3:::{self.settings.state.bucket}/{self.settings.state_key}"

    @property
    def token_bucket(self) -> str:
        return f"arn:aws:s3:::{self.settings.token_bucket.bucket_name}"


def github_trust(provider_arn: str, subject: str) -> str:
    """Only GitHub's tokens for this audience and exactly this subject (no wildcard)."""
    return to_json(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {f"{TOKEN_ISSUER}:aud": GITHUB_AUDIENCE, f"{TOKEN_ISSUER}:sub": subject}
                    },
                }
            ],
        }
    )


def guard_statements(names: PipelineNames) -> list[dict]:
    """The denies shared by the deploy role and the boundary: no role change without the
    boundary, no removing it, no editing it, no touching the pipeline's own roles."""
    return [
        deny(
            "NoRoleChangeWithoutTheBoundary",
            BOUNDED_ROLE_ACTIONS,
            "*",
            {"StringNotEquals": {"iam:PermissionsBoundary": names.boundary}},
        ),
        deny("NoBoundaryRemoval", ["iam:DeleteRolePermissionsBoundary"], "*"),
        deny("NoBoundaryEdit", POLICY_EDIT_ACTIONS, [names.boundary]),
        deny(
            "NoPipelineRoleEdit",
            BOUNDED_ROLE_ACTIONS + OTHER_ROLE_ACTIONS + ("iam:DeleteRolePermissionsBoundary",),
            names.pipeline_roles,
        ),
    ]


def option_statements(settings: EnvironmentSettings, names: PipelineNames) -> list[dict]:
    """The ``OPTION_ACTIONS`` of the options the environment uses, each scoped to its resources."""
    s, region, account = settings, settings.aws.region, names.account_id
    created_alb = s.load_balancer.create
    found = []
    if s.domain.name:
        # A requested certificate's id is AWS's, unknown until the request.
        found.append(statement("Certificate", list(OPTION_ACTIONS["Certificate"]), "*"))
        # A zone the stack creates has no id before it exists: any zone of the account then.
        zone = f"arn:aws:route53:::hostedzone/{s.domain.hosted_zone_id or '*'}"
        found.append(statement("Dns", list(OPTION_ACTIONS["Dns"]), [zone, "arn:aws:route53:::change/*"]))
    if s.domain.create_hosted_zone_name or s.service_discovery.create_namespace:
        found.append(statement("HostedZone", list(OPTION_ACTIONS["HostedZone"]), "*"))
    if created_alb and s.edge.waf:
        resources = [
            f"arn:aws:wafv2:{region}:{account}:regional/webacl/{s.service.name}/*",
            f"arn:aws:wafv2:{region}:*:regional/managedruleset/*/*",  # the AWS managed rule groups it uses
            f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{s.load_balancer.name}/*",
        ]
        found.append(statement("WebAcl", list(OPTION_ACTIONS["WebAcl"]), resources))
        found.append(statement("WebAclLogDelivery", list(OPTION_ACTIONS["WebAclLogDelivery"]), "*"))
    if s.alarms.create_sns_topic_name and s.alarms.email_subscriptions:
        topic = f"arn:aws:sns:{region}:{account}:{s.alarms.create_sns_topic_name}"
        found.append(statement("AlarmSubscriptions", list(OPTION_ACTIONS["AlarmSubscriptions"]), [topic, f"{topic}:*"]))
    if created_alb and s.edge.access_logs_bucket_name:
        bucket = f"arn:aws:s3:::{s.edge.access_logs_bucket_name}"
        found.append(statement("AccessLogBucket", list(TOKEN_BUCKET_ACTIONS), [bucket]))
    return found


def is_read(action: str) -> bool:
    return action.split(":")[1].startswith(("Describe", "Get", "List"))


def read_actions(settings: EnvironmentSettings, names: PipelineNames) -> list[str]:
    """What a plan refreshes: ``READ_ACTIONS`` and the reads of the options the environment uses."""
    options = {a for s in option_statements(settings, names) for a in s["Action"] if is_read(a)}
    return sorted({*READ_ACTIONS, *options})


def plan_statements(settings: EnvironmentSettings, names: PipelineNames) -> list[dict]:
    reads = read_actions(settings, names)
    allowed = sorted([*reads, "s3:GetObject"])
    found = [
        statement("ReadConfiguration", reads, "*"),
        statement("ReadState", ["s3:GetObject"], [names.state_object]),
        deny("NoSecretValues", ["secretsmanager:GetSecretValue"], "*"),
        deny("NoTokenObjects", ["s3:GetObject", "s3:GetObjectVersion"], [f"{names.token_bucket}/*"]),
        # Everything outside the read list, whatever another policy might grant.
        {"Sid": "NoWrites", "Effect": "Deny", "NotAction": allowed, "Resource": "*"},
    ]
    if settings.state.kms_key_arn:
        found.insert(2, statement("DecryptState", ["kms:Decrypt"], [settings.state.kms_key_arn]))
        found[-1]["NotAction"] = sorted([*allowed, "kms:Decrypt"])
    return found


def deploy_statements(settings: EnvironmentSettings, names: PipelineNames) -> list[dict]:
    _, repository_arn = ecr_repository(settings.task.image_repository)
    state = names.state_object
    found = [
        statement("ReadConfiguration", list(READ_ACTIONS), "*"),
        statement("State", list(STATE_OBJECT_ACTIONS), [state, f"{state}.tflock"]),
        statement("TokenBucket", list(TOKEN_BUCKET_ACTIONS), [names.token_bucket]),
        statement(
            "ServiceRoles",
            list(BOUNDED_ROLE_ACTIONS),
            names.service_roles,
            {"StringEquals": {"iam:PermissionsBoundary": names.boundary}},
        ),
        statement("ServiceRoleMaintenance", list(OTHER_ROLE_ACTIONS), names.service_roles),
        statement(
            "PassServiceRoles",
            ["iam:PassRole"],
            names.service_roles,
            {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        ),
        statement(
            "ScalingServiceLinkedRole",
            ["iam:CreateServiceLinkedRole"],
            "*",
            {"StringEquals": {"iam:AWSServiceName": "ecs.application-autoscaling.amazonaws.com"}},
        ),
        # Neither action has a resource type: "*" is the only valid resource.
        statement("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
        *(statement(sid, list(actions), "*") for sid, actions in WRITE_ACTIONS.items()),
    ]
    if repository_arn:
        found.append(statement("ImageRepository", list(ECR_PUSH_ACTIONS), [repository_arn]))
    return found + guard_statements(names)


def boundary_statements(settings: EnvironmentSettings, names: PipelineNames) -> list[dict]:
    """The most any bounded role may do: the deploy role's actions and the service's run-time
    actions, on any resource (their own policies scope them), minus the guards."""
    options = {a for s in option_statements(settings, names) for a in s["Action"]}
    reads = [*READ_ACTIONS, *(a for a in options if is_read(a))]
    writes = {*STATE_OBJECT_ACTIONS, *TOKEN_BUCKET_ACTIONS, *ECR_PUSH_ACTIONS, *(a for a in options if not is_read(a))}
    writes |= {*BOUNDED_ROLE_ACTIONS, *OTHER_ROLE_ACTIONS, "iam:PassRole", "iam:CreateServiceLinkedRole"}
    for group in WRITE_ACTIONS.values():
        writes |= set(group)
    # The run-time actions stay exact (reads of secret values and images among them).
    actions = {*read_families(reads), *write_families(writes), *RUNTIME_ACTIONS}
    return [statement("WithinTheStacks", sorted(actions), "*"), *guard_statements(names)]


#: Services whose changes the boundary names one by one: a verb family there would widen the cap
#: past the stacks (``ec2:Create*`` launches instances, ``ecr:Put*`` replicates images elsewhere,
#: ``logs:Put*`` subscribes another account to the logs; identity, keys, data and secrets).
EXACT_SERVICES = frozenset({"ec2", "ecr", "iam", "kms", "logs", "s3", "secretsmanager", "ssmmessages", "sts"})


def write_families(actions) -> list[str]:
    """``service:Verb*`` (``elasticloadbalancing:Create*``) where a service outside
    ``EXACT_SERVICES`` has two or more changes of one verb: the boundary only caps, and IAM limits
    it to 6,144 characters, which the exact list of every option's actions exceeds."""
    families: dict[str, list[str]] = {}
    for action in actions:
        service, name = action.split(":")
        verb = re.match(r"[A-Z][a-z]+", name)
        key = f"{service}:{verb[0]}*" if verb and service not in EXACT_SERVICES else action
        families.setdefault(key, []).append(action)
    found: list[str] = []
    for family, members in families.items():
        found += [family] if len(members) > 1 else members
    return sorted(found)


def read_families(actions) -> list[str]:
    """``service:Describe*`` / ``Get*`` / ``List*`` where a service has several such reads:
    IAM limits a managed policy to 6,144 characters, and the boundary only caps, it grants nothing."""
    families: dict[str, list[str]] = {}
    for action in actions:
        service, name = action.split(":")
        verb = next((v for v in ("Describe", "Get", "List") if name.startswith(v)), None)
        families.setdefault(f"{service}:{verb}*" if verb else action, []).append(action)
    found: list[str] = []
    for family, members in families.items():
        found += [family] if len(members) > 2 else members
    return sorted(found)
