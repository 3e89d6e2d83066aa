output "service_name" {
  value = module.google_workspace_mcp.service_name
}

output "task_definition_arn" {
  value = module.google_workspace_mcp.task_definition_arn
}

output "internal_mcp_url" {
  value = module.google_workspace_mcp.internal_mcp_url
}

output "external_mcp_url" {
  value = module.google_workspace_mcp.external_mcp_url
}

output "app_secret_arn" {
  description = "Put the Google OAuth client JSON here out of band (never through Terraform)."
  value       = module.google_workspace_mcp.app_secret_arn
}
