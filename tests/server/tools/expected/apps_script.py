"""The Apps Script tools a server must list: name -> (tier, kind), and the scopes (after
https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode. Listing projects
goes through Drive (drive.readonly); running a function needs the scopes of the script itself."""

TOOLS = {
    "list_script_projects": ("core", "read"),
    "get_script_project": ("core", "read"),
    "get_script_content": ("core", "read"),
    "run_script_function": ("core", "write"),
    "update_script_content": ("extended", "destructive"),
    "create_script_project": ("extended", "write"),
    "list_script_deployments": ("extended", "read"),
    "create_script_deployment": ("extended", "write"),
    "list_script_versions": ("extended", "read"),
    "create_script_version": ("extended", "write"),
    "list_script_processes": ("extended", "read"),
    "update_script_deployment": ("complete", "write"),
    "delete_script_deployment": ("complete", "destructive"),
    "get_script_metrics": ("complete", "read"),
}
SCOPES = ("drive.readonly", "script.projects", "script.deployments", "script.metrics", "script.processes")
READ_ONLY_SCOPES = (
    "drive.readonly",
    "script.projects.readonly",
    "script.deployments.readonly",
    "script.metrics",
    "script.processes",
)
