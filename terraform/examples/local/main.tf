# Everything on one machine against an emulated AWS: the module creates every
# prerequisite the reference reuses (VPC, subnets, security groups, internal ALB with an
# HTTP listener, ECS cluster, private DNS namespace). Local state (no backend block).
module "google_workspace_mcp" {
  source = "../../modules/google-workspace-mcp"
  count  = var.enabled ? 1 : 0

  network_create             = true
  network_vpc_id             = "" # created: the account-specific ids are required inputs
  network_subnet_ids         = []
  network_security_group_ids = []
  network_vpc_cidr           = "10.42.0.0/16"
  network_subnet_cidrs       = ["10.42.1.0/24", "10.42.2.0/24"]
  network_availability_zones = ["us-east-1a", "us-east-1b"]

  cluster_create = true
  cluster_name   = "busyb-cluster"

  load_balancer_create            = true
  load_balancer_name              = "busyb-alb"
  load_balancer_listener_port     = 80 # no certificate locally
  load_balancer_listener_protocol = "HTTP"

  service_discovery_create_namespace = true
  service_discovery_namespace_id     = ""
  service_discovery_namespace_name   = "busyb.local"

  task_image_repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/busyb-google-workspace-mcp"
  task_environment = {
    MCP_ENABLE_OAUTH21          = "true"
    MCP_SINGLE_USER_MODE        = "0"
    OAUTHLIB_INSECURE_TRANSPORT = "1" # the local listener is plain HTTP
  }

  secrets_recovery_window_in_days = 0 # destroy + re-apply reuses the names at once

  token_bucket_bucket_name   = "busyb-google-workspace-mcp-tokens-local"
  token_bucket_force_destroy = true
}
