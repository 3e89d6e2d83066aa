"""The deployment stack of one environment, composed from the constructs."""

from __future__ import annotations

from modules import aws
from modules.access_logs import AccessLogs, AccessLogsProps
from modules.alarms import Alarms, AlarmsProps
from modules.cluster import Cluster, ClusterProps
from modules.config import IMAGE_TAG_PATTERN, EnvironmentSettings
from modules.derived import DerivedProps, DerivedValues
from modules.discovery import ServiceDiscovery
from modules.domain import Domain, DomainProps
from modules.exec_audit import ExecuteCommandAudit, ExecuteCommandAuditProps
from modules.iam import RolesProps, TaskRoles, boundary_arn
from modules.image_repository import ImageRepository, ImageRepositoryProps
from modules.keys import StackKey, StackKeyProps
from modules.load_balancer import LoadBalancer, LoadBalancerProps
from modules.logs import LogGroup
from modules.network import Network, NetworkProps
from modules.pipeline_roles import PipelineStack
from modules.provider import BaseStack
from modules.scaling import Scaling, ScalingProps
from modules.secrets import Secrets, SecretsProps
from modules.service import Service, ServiceProps
from modules.state import StateStack, configure_s3_backend
from modules.symbolic import single, when
from modules.task_definition import TaskDefinition, build_container_definition
from modules.token_bucket import TokenBucket, role_arns
from modules.waf import WebAcl, WebAclProps

IMAGE_TAG_ERROR = "image_tag must be a Docker tag: letters, digits, _ . - (max 128), and not latest."


class ServiceStack(BaseStack):
    """Everything the server needs in one environment; exposes each construct."""

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings):
        super().__init__(scope, id, settings)
        configure_s3_backend(self, settings)
        self.compose(settings)

    def compose(self, settings: EnvironmentSettings) -> None:
        """The constructs and outputs (shared with the Terraform module target)."""
        self.derived = derived = DerivedValues(self, DerivedProps.of(settings))
        self.keys = StackKey(self, "kms", StackKeyProps.of(settings))
        self.exec_audit = ExecuteCommandAudit(self, "exec", ExecuteCommandAuditProps.of(settings), self.keys.exec)
        self.image_repository = ImageRepository(self, "image-repository", ImageRepositoryProps.of(settings))
        self.network = Network(self, "network", NetworkProps.of(settings))
        derived.add_trusted_proxies(self.network.vpc_cidr)
        self.cluster = Cluster(self, "cluster", ClusterProps.of(settings), self.exec_audit)
        self.load_balancer = LoadBalancer(
            self, "load-balancer", LoadBalancerProps.of(settings, derived.path_prefix), self.network
        )
        self.domain = Domain(self, "domain", DomainProps.of(settings), self.load_balancer)
        derived.add_public_url(self.domain.public_host(self.load_balancer.dns_name))
        self.discovery = ServiceDiscovery(self, "discovery", settings.service_discovery, self.network)
        self.web_acl = WebAcl(self, "waf", WebAclProps.of(settings, derived.path_prefix), self.load_balancer)
        self.access_logs = AccessLogs(self, "access-logs", AccessLogsProps.of(settings), self.load_balancer)
        self.logs = LogGroup(self, "logs", settings.logs, self.keys.logs)
        self.secrets = Secrets(self, "secrets", SecretsProps.of(settings), self.keys.secrets)
        self.token_bucket = TokenBucket(self, "token-bucket", settings.token_bucket, self.keys.bucket)
        self.roles = TaskRoles(
            self,
            "iam",
            RolesProps(
                task=settings.task,
                permissions_boundary_arn=boundary_arn(self.keys.account_id, settings),
                execute_command=settings.service.enable_execute_command,
                account_id=self.keys.account_id,
                log_group_arn=self.logs.arn,
                secret_arns=self.secrets.arns,
                secrets_key=self.keys.secrets,
                bucket_arn=self.token_bucket.arn,
                bucket_prefix=self.token_bucket.prefix,
                bucket_key=self.keys.bucket,
                exec_log_group_arn=self.exec_audit.log_group_arn,
                exec_key=self.exec_audit.key,
            ),
        )
        # Resource policies: tokens and secret values only for these roles, whatever IAM says.
        break_glass = settings.security.break_glass_role_arns
        self.token_bucket.restrict_tokens(role_arns([self.roles.task_role_arn], break_glass))
        self.secrets.restrict_values(role_arns([self.roles.execution_role_arn], break_glass), break_glass)
        self.image_tag = self._image_tag_variable(settings)
        container = build_container_definition(
            settings,
            image=f"{settings.task.image_repository}:{self.image_tag.string_value}",
            derived=derived,
            log_group_name=self.logs.name,
            container_secrets=self.secrets.container_secrets,
            optional_secrets=self.secrets.optional_container_secrets,
        )
        self.task_definition = TaskDefinition(
            self,
            "task",
            settings.task,
            container=container,
            execution_role_arn=self.roles.execution_role_arn,
            task_role_arn=self.roles.task_role_arn,
        )
        self.service = Service(
            self,
            "service",
            ServiceProps.of(settings),
            cluster_arn=self.cluster.arn,
            task_definition_arn=self.task_definition.arn,
            subnet_ids=self.network.subnet_ids,
            security_group_ids=self.network.task_security_group_ids,
            target_group_arn=self.load_balancer.target_group.arn,
            registry_arn=self.discovery.arn,
            depends_on=self.load_balancer.rules,
        )
        self.scaling = (
            Scaling(self, "scaling", ScalingProps.of(settings), service=self.service.service)
            if when(settings.scaling.enabled)
            else None
        )
        self.alarms = (
            Alarms(
                self,
                "alarms",
                AlarmsProps.of(settings),
                target_group_arn_suffix=self.load_balancer.target_group.arn_suffix,
                load_balancer_arn_suffix=self.load_balancer.arn_suffix,
            )
            if when(settings.alarms.enabled)
            else None
        )
        self._outputs(settings)

    def _image_tag_variable(self, settings: EnvironmentSettings) -> aws.TerraformVariable:
        # The tag is a Terraform variable so a deploy passes an immutable git-SHA tag
        # (`-var image_tag=<sha>`) and changes only the task definition.
        return aws.TerraformVariable(
            self,
            "image_tag",
            type="string",
            # No default unless the environment file names one: a deploy must name its tag.
            default=settings.task.image_tag or None,
            description=f"Tag of {settings.task.image_repository} to run",
            validation=aws.blocks(
                {
                    # JSON syntax: an expression is a "${...}" template.
                    "condition": f'${{can(regex("{IMAGE_TAG_PATTERN}", var.image_tag)) && var.image_tag != "latest"}}',
                    "error_message": IMAGE_TAG_ERROR,
                }
            ),
        )

    def _outputs(self, settings: EnvironmentSettings) -> None:
        lb = self.load_balancer
        outputs = {
            "service_name": (self.service.name, "ECS service name"),
            "service_arn": (self.service.arn, "ECS service ARN"),
            "cluster_arn": (self.cluster.arn, "ECS cluster ARN"),
            "task_definition_arn": (self.task_definition.arn, "Task definition ARN (family:revision)"),
            "target_group_arn": (lb.target_group.arn, "ALB target group ARN"),
            "listener_rule_arn": (lb.listener_rule.arn, "Listener rule forwarding the path prefix"),
            "discovery_service_arn": (self.discovery.arn, "Cloud Map service ARN"),
            "internal_mcp_url": (self.derived.internal_mcp_url, "MCP endpoint for clients inside the VPC"),
            "external_mcp_url": (self.derived.external_mcp_url, "MCP endpoint through the ALB path prefix"),
            "image": (self.task_definition.container.image, "Container image the task definition runs"),
            "log_group_name": (self.logs.name, "CloudWatch log group"),
            "token_bucket_name": (self.token_bucket.name, "S3 bucket of the OAuth token store"),
            "token_store_uri": (self.derived.token_store_uri, "WORKSPACE_MCP_TOKEN_STORE"),
            "app_secret_arn": (self.secrets.app_secret_arn, "JSON secret: Google OAuth client + token keys"),
            "credentials_dir_secret_arn": (
                self.secrets.credentials_dir_secret_arn,
                "Plain-string secret: GOOGLE_MCP_CREDENTIALS_DIR",
            ),
            "execution_role_arn": (self.roles.execution_role_arn, "Task execution role"),
            "task_role_arn": (self.roles.task_role_arn, "Task role"),
            "exec_log_group_name": (self.exec_audit.log_group_name, "ECS Exec session transcripts (empty: Exec off)"),
            "exec_cluster_configuration": (
                self.exec_audit.cluster_configuration_json,
                "aws ecs update-cluster --configuration for a reused cluster (empty: Exec off)",
            ),
        }
        if when(self.domain.enabled):
            outputs["google_redirect_uri"] = (
                f"{self.derived.public_url}/auth/callback",
                "Redirect URI to register on the Google OAuth client (the custom domain's)",
            )
        if lb.discovery_rule is not None:
            outputs["discovery_listener_rule_arn"] = (
                single(lb.discovery_rule, "arn", settings.listener_rule.discovery_rule),
                "Listener rule for OAuth discovery paths",
            )
        for name, (value, description) in outputs.items():
            aws.TerraformOutput(self, name, value=value, description=description)


def build_app(environments: list[EnvironmentSettings], outdir: str | None = None) -> aws.App:
    """Per environment: the deployment stack, the state bootstrap stack and the pipeline roles."""
    app = aws.App(outdir=outdir) if outdir else aws.App()
    for settings in environments:
        service = ServiceStack(app, settings.name, settings)
        # The CDKTF CLI orders stacks by this: `cdktf deploy` creates the state bucket first and
        # `cdktf destroy` removes it only after the stack whose state it holds.
        service.add_dependency(StateStack(app, f"{settings.name}-state", settings))
        PipelineStack(app, f"{settings.name}-pipeline", settings)
    return app
