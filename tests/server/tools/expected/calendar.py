"""The calendar tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "list_calendars": ("core", "read"),
    "get_events": ("core", "read"),
    "get_event": ("core", "read"),
    "create_event": ("core", "write"),
    "update_event": ("extended", "write"),
    "delete_event": ("extended", "destructive"),
    "query_free_busy": ("extended", "read"),
    "respond_to_event": ("complete", "write"),
}
SCOPES = ("calendar",)
READ_ONLY_SCOPES = ("calendar.readonly",)
