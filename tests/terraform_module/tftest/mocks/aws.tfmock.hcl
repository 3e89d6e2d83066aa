# Fixed values for what AWS computes, shared by every test file (`source = "./mocks"`):
# the provider validates ARNs, and the stack and the module must see the same values.
# The looked-up ALB is the reference deployment's `busyb-alb` (an internal ALB's DNS name).
mock_data "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:us-east-1:758888582357:loadbalancer/app/busyb-alb/50dc6c495c0c9188"
    arn_suffix = "app/busyb-alb/50dc6c495c0c9188"
    dns_name   = "internal-busyb-alb-1.us-east-1.elb.amazonaws.com"
  }
}

mock_data "aws_lb_listener" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:us-east-1:758888582357:listener/app/busyb-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"
  }
}

mock_data "aws_ecs_cluster" {
  defaults = {
    arn = "arn:aws:ecs:us-east-1:758888582357:cluster/busyb-cluster"
  }
}

mock_data "aws_region" {
  defaults = {
    id   = "us-east-1"
    name = "us-east-1"
  }
}

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "758888582357"
    arn        = "arn:aws:iam::758888582357:user/deployer"
  }
}

mock_data "aws_ecr_repository" {
  defaults = {
    arn                  = "arn:aws:ecr:us-east-1:758888582357:repository/busyb-google-workspace-mcp"
    image_tag_mutability = "IMMUTABLE"
    image_scanning_configuration = [{ scan_on_push = true }]
  }
}

mock_resource "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:us-east-1:758888582357:loadbalancer/app/created-alb/1111111111111111"
    arn_suffix = "app/created-alb/1111111111111111"
    dns_name   = "internal-created-alb-1.us-east-1.elb.amazonaws.com"
  }
}

mock_resource "aws_lb_listener" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:us-east-1:758888582357:listener/app/created-alb/1111111111111111/2222222222222222"
  }
}

mock_resource "aws_lb_target_group" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:us-east-1:758888582357:targetgroup/busyb-google-workspace/3333333333333333"
    arn_suffix = "targetgroup/busyb-google-workspace/3333333333333333"
  }
}

mock_resource "aws_lb_listener_rule" {
  defaults = {
    arn = "arn:aws:elasticloadbalancing:us-east-1:758888582357:listener-rule/app/busyb-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/4444444444444444"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::758888582357:role/mocked-role"
  }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:us-east-1:758888582357:secret:mocked-secret-AbCdEf"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:us-east-1:758888582357:key/11111111-2222-3333-4444-555555555555"
    key_id = "11111111-2222-3333-4444-555555555555"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::mocked-bucket"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:us-east-1:758888582357:mocked-topic"
  }
}

mock_resource "aws_ecs_cluster" {
  defaults = {
    arn = "arn:aws:ecs:us-east-1:758888582357:cluster/created-cluster"
  }
}

mock_resource "aws_ecs_task_definition" {
  defaults = {
    arn                      = "arn:aws:ecs:us-east-1:758888582357:task-definition/busyb-google-workspace-mcp:1"
    arn_without_revision     = "arn:aws:ecs:us-east-1:758888582357:task-definition/busyb-google-workspace-mcp"
  }
}

mock_resource "aws_ecs_service" {
  defaults = {
    id = "arn:aws:ecs:us-east-1:758888582357:service/busyb-cluster/busyb-google-workspace-mcp-service"
  }
}

mock_resource "aws_service_discovery_service" {
  defaults = {
    arn = "arn:aws:servicediscovery:us-east-1:758888582357:service/srv-mocked"
  }
}

mock_resource "aws_service_discovery_private_dns_namespace" {
  defaults = {
    arn = "arn:aws:servicediscovery:us-east-1:758888582357:namespace/ns-mocked"
    id  = "ns-mocked"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:us-east-1:758888582357:log-group:mocked"
  }
}

mock_resource "aws_ecr_repository" {
  defaults = {
    arn            = "arn:aws:ecr:us-east-1:758888582357:repository/busyb-google-workspace-mcp"
    repository_url = "758888582357.dkr.ecr.us-east-1.amazonaws.com/busyb-google-workspace-mcp"
  }
}

# A requested certificate: one name, one DNS validation record (what ACM reports).
mock_resource "aws_acm_certificate" {
  defaults = {
    arn = "arn:aws:acm:us-east-1:758888582357:certificate/22222222-3333-4444-5555-666666666666"
    domain_validation_options = [{
      domain_name           = "google-workspace.busyb.ai"
      resource_record_name  = "_d930b28be6c5927595552b219965053e.google-workspace.busyb.ai."
      resource_record_type  = "CNAME"
      resource_record_value = "_c9edd76ee4a0e2a74388032f3861cc50.ykybfrwcxw.acm-validations.aws."
    }]
  }
}

# The web ACL on a created ALB (its logging configuration and association need an ARN).
mock_resource "aws_wafv2_web_acl" {
  defaults = {
    arn = "arn:aws:wafv2:us-east-1:758888582357:regional/webacl/busyb-google-workspace-mcp-service/33333333-4444-5555-6666-777777777777"
  }
}

# The reused VPC: its CIDR is what the server trusts X-Forwarded-For from (the ALB's nodes).
mock_data "aws_vpc" {
  defaults = {
    cidr_block = "10.0.0.0/16"
  }
}
