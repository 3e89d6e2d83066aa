"""The tasks tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "list_task_lists": ("core", "read"),
    "list_tasks": ("core", "read"),
    "get_task": ("extended", "read"),
    "create_task": ("core", "write"),
    "update_task": ("core", "write"),
    "complete_task": ("extended", "write"),
    "delete_task": ("extended", "destructive"),
    "move_task": ("complete", "write"),
    "create_task_list": ("extended", "write"),
    "delete_task_list": ("complete", "destructive"),
}
SCOPES = ("tasks",)
READ_ONLY_SCOPES = ("tasks.readonly",)
