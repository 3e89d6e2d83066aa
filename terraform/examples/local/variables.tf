variable "endpoint" {
  description = "The emulated AWS endpoint (moto server)."
  type        = string
  default     = "http://127.0.0.1:5000"
}

variable "enabled" {
  description = "Deploy the module (it supports count on the calling side)."
  type        = bool
  default     = true
}

variable "default_tags" {
  description = "Tags the provider adds to every resource."
  type        = map(string)
  default = {
    Project     = "google-workspace-mcp"
    ManagedBy   = "terraform"
    Environment = "local"
  }
}
