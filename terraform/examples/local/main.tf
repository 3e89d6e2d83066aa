# Everything on one machine against an emulated AWS: the module creates every
# prerequisite the reference reuses (VPC, subnets, security groups, internal ALB with an
# HTTP listener, ECS cluster, private DNS namespace). Local state (no backend block).
module "google_workspace_mcp" {
  source = "../../modules/google-workspace-mcp"
  count  = var.enabled ? 1 : 0

  image_tag = "local" # the emulator runs no image; real callers pass the pushed git SHA

  network = {
    create             = true
    vpc_id             = "" # created: the account-specific ids are required inputs
    subnet_ids         = []
    security_group_ids = []
    vpc_cidr           = "10.42.0.0/16"
    subnet_cidrs       = ["10.42.1.0/24", "10.42.2.0/24"]
    availability_zones = ["us-east-1a", "us-east-1b"]
  }

  cluster = {
    create = true
    name   = "busyb-cluster"
  }

  load_balancer = {
    create            = true
    name              = "busyb-alb"
    listener_port     = 80 # no certificate locally
    listener_protocol = "HTTP"
  }

  service_discovery = {
    create_namespace = true
    namespace_id     = ""
    namespace_name   = "busyb.local"
  }

  task = {
    image_repository        = "123456789012.dkr.ecr.us-east-1.amazonaws.com/busyb-google-workspace-mcp"
    create_image_repository = true # immutable tags, scan on push (a reused one is checked instead)
    environment = {
      MCP_ENABLE_OAUTH21          = "true"
      MCP_SINGLE_USER_MODE        = "0"
      OAUTHLIB_INSECURE_TRANSPORT = "1" # the local listener is plain HTTP
    }
  }

  secrets = {
    recovery_window_in_days = 0 # destroy + re-apply reuses the names at once
  }

  token_bucket = {
    bucket_name   = "busyb-google-workspace-mcp-tokens-local"
    force_destroy = true
  }

  domain = { # the custom domain end to end: its own hosted zone, the certificate validated through it
    name                    = "google-workspace.busyb.test"
    create_hosted_zone_name = "busyb.test"
  }
}
