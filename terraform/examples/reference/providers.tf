terraform {
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

# The module declares no provider: the caller owns region, account guard and tags.
provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["758888582357"]

  default_tags {
    tags = {
      Project     = "google-workspace-mcp"
      ManagedBy   = "terraform"
      Environment = "production"
    }
  }
}
