"""Google Workspace MCP server for ECS Fargate behind an ALB path prefix."""

__version__ = "0.1.0"
