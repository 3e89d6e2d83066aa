# Encrypted S3 state with S3-native locking (Terraform >= 1.10), as the CDKTF stacks use.
# The bucket is created once by the `production-state` bootstrap stack (see the README).
terraform {
  backend "s3" {
    bucket       = "busyb-terraform-state-758888582357"
    key          = "google-workspace-mcp/production-terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}
