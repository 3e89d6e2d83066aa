output "module" {
  description = "Every output of the module (the inventory)."
  value       = one(module.google_workspace_mcp[*])
}
