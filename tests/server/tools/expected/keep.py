"""The keep tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "list_keep_notes": ("core", "read"),
    "get_keep_note": ("core", "read"),
    "create_keep_note": ("core", "write"),
    "delete_keep_note": ("complete", "destructive"),
    "share_keep_note": ("extended", "write"),
    "unshare_keep_note": ("complete", "destructive"),
    "download_keep_attachment": ("extended", "read"),
}
SCOPES = ("keep",)
READ_ONLY_SCOPES = ("keep.readonly",)
# Served only when WORKSPACE_MCP_SERVICES names it: Google refuses a sign-in asking for Keep's scopes
# unless a Workspace administrator allowed them for this client.
OPT_IN = True
