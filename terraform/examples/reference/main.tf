# The reference deployment (BusyB, account 758888582357, us-east-1) through the module.
# The account's own resources (VPC, subnets, security group, cluster, ALB, namespace, image
# repository, token bucket) are required inputs; the other values equal the module's defaults
# and are spelled out to show the inputs.
module "google_workspace_mcp" {
  source = "../../modules/google-workspace-mcp"

  # Existing network, cluster, ALB (HTTPS listener on 443) and Cloud Map namespace.
  network = {
    create             = false
    vpc_id             = "vpc-0111b7630bcb61b61"
    subnet_ids         = ["subnet-0d2d334cbe1467f4b", "subnet-0ae07f54c7454fe72"]
    security_group_ids = ["sg-0ebf38ea0618aef2d"]
    assign_public_ip   = false
  }

  cluster = {
    create = false
    name   = "busyb-cluster"
  }

  load_balancer = {
    create            = false
    name              = "busyb-alb"
    listener_port     = 443
    listener_protocol = "HTTPS"
  }

  target_group = {
    name = "busyb-google-workspace"
    port = 8000
    health_check = {
      path                = "/health"
      interval            = 30
      timeout             = 5
      healthy_threshold   = 2
      unhealthy_threshold = 3
      matcher             = "200"
    }
  }

  listener_rule = {
    priority           = 50
    path_pattern       = "/google-workspace/*"
    discovery_priority = 51
  }

  service_discovery = {
    create_namespace = false
    namespace_id     = "ns-vt3hun37drrxdy7p"
    namespace_name   = "busyb.local"
    service_name     = "google-workspace"
    dns_ttl          = 60
    record_types     = ["A", "SRV"]
  }

  task = {
    family           = "busyb-google-workspace-mcp"
    cpu              = 512
    memory           = 1024
    container_port   = 8000
    image_repository = "758888582357.dkr.ecr.us-east-1.amazonaws.com/busyb-google-workspace-mcp"
    task_role_name   = "busyb-google-workspace-mcp-task-role"
    environment = {
      MCP_ENABLE_OAUTH21          = "true"
      MCP_SINGLE_USER_MODE        = "0"
      OAUTHLIB_INSECURE_TRANSPORT = "0"
    }
  }
  image_tag = var.image_tag

  logs = {
    group_name        = "/ecs/busyb-google-workspace-mcp"
    retention_in_days = 30
  }

  service = {
    name                               = "busyb-google-workspace-mcp-service"
    desired_count                      = 1
    deployment_maximum_percent         = 200
    deployment_minimum_healthy_percent = 100
    health_check_grace_period_seconds  = 60
    enable_execute_command             = true
    # busyb-cluster is reused: its exec_cluster_configuration output was applied to it.
    exec_reused_cluster_configured = true
  }

  token_bucket = {
    bucket_name = "busyb-google-workspace-mcp-tokens-758888582357"
    prefix      = "tokens"
  }

  scaling = {
    enabled      = true
    min_capacity = 1
    max_capacity = 4
  }

  alarms = {
    enabled = true
  }
}

variable "image_tag" {
  description = "Image tag to deploy (an immutable git SHA in CI)."
  type        = string
  default     = "latest"
}
