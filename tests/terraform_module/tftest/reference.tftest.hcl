# The reference example (an existing ALB with an HTTPS listener on 443, no public base URL)
# with the AWS provider mocked (tests/mocks): the looked-up ALB's DNS name makes the URL.
mock_provider "aws" {
  source = "./tests/mocks"
}

run "reference" {
  command = apply

  assert {
    condition     = output.external_mcp_url == "https://internal-busyb-alb-1.us-east-1.elb.amazonaws.com/google-workspace/mcp"
    error_message = "external_mcp_url is ${output.external_mcp_url}"
  }
}
