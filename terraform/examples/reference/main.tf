# The reference deployment (BusyB, account 758888582357, us-east-1) through the module.
# The account's own resources (VPC, subnets, security group, cluster, ALB, namespace, image
# repository, token bucket) are required inputs; the other values equal the module's defaults
# and are spelled out to show the inputs.
module "google_workspace_mcp" {
  source = "../../modules/google-workspace-mcp"

  # Existing network, cluster, ALB (HTTPS listener on 443) and Cloud Map namespace.
  network_create             = false
  network_vpc_id             = "vpc-0111b7630bcb61b61"
  network_subnet_ids         = ["subnet-0d2d334cbe1467f4b", "subnet-0ae07f54c7454fe72"]
  network_security_group_ids = ["sg-0ebf38ea0618aef2d"]
  network_assign_public_ip   = false

  cluster_create = false
  cluster_name   = "busyb-cluster"

  load_balancer_create            = false
  load_balancer_name              = "busyb-alb"
  load_balancer_listener_port     = 443
  load_balancer_listener_protocol = "HTTPS"

  target_group_name                             = "busyb-google-workspace"
  target_group_port                             = 8000
  target_group_health_check_path                = "/health"
  target_group_health_check_interval            = 30
  target_group_health_check_timeout             = 5
  target_group_health_check_healthy_threshold   = 2
  target_group_health_check_unhealthy_threshold = 3
  target_group_health_check_matcher             = "200"

  listener_rule_priority           = 50
  listener_rule_path_pattern       = "/google-workspace/*"
  listener_rule_discovery_priority = 51

  service_discovery_create_namespace = false
  service_discovery_namespace_id     = "ns-vt3hun37drrxdy7p"
  service_discovery_namespace_name   = "busyb.local"
  service_discovery_service_name     = "google-workspace"
  service_discovery_dns_ttl          = 60
  service_discovery_record_types     = ["A", "SRV"]

  task_family           = "busyb-google-workspace-mcp"
  task_cpu              = 512
  task_memory           = 1024
  task_container_port   = 8000
  task_image_repository = "758888582357.dkr.ecr.us-east-1.amazonaws.com/busyb-google-workspace-mcp"
  image_tag             = var.image_tag
  task_task_role_name   = "busyb-google-workspace-mcp-task-role"
  task_environment = {
    MCP_ENABLE_OAUTH21          = "true"
    MCP_SINGLE_USER_MODE        = "0"
    OAUTHLIB_INSECURE_TRANSPORT = "0"
  }

  logs_group_name        = "/ecs/busyb-google-workspace-mcp"
  logs_retention_in_days = 30

  service_name                               = "busyb-google-workspace-mcp-service"
  service_desired_count                      = 1
  service_deployment_maximum_percent         = 200
  service_deployment_minimum_healthy_percent = 100
  service_health_check_grace_period_seconds  = 60
  service_enable_execute_command             = true

  token_bucket_bucket_name = "busyb-google-workspace-mcp-tokens-758888582357"
  token_bucket_prefix      = "tokens"

  scaling_enabled      = true
  scaling_min_capacity = 1
  scaling_max_capacity = 4

  alarms_enabled = true
}

variable "image_tag" {
  description = "Image tag to deploy (an immutable git SHA in CI)."
  type        = string
  default     = "latest"
}
