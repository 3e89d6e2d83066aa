terraform {
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  max_retries                 = 2 # an emulator gap fails fast instead of retrying for minutes

  endpoints {
    applicationautoscaling = var.endpoint
    cloudwatch             = var.endpoint
    cloudwatchlogs         = var.endpoint
    ec2                    = var.endpoint
    ecr                    = var.endpoint
    ecs                    = var.endpoint
    elbv2                  = var.endpoint
    iam                    = var.endpoint
    kms                    = var.endpoint
    s3                     = var.endpoint
    secretsmanager         = var.endpoint
    servicediscovery       = var.endpoint
    sns                    = var.endpoint
    sts                    = var.endpoint
  }

  default_tags {
    tags = var.default_tags
  }
}
