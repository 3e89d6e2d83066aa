"""The slides tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "list_presentations": ("core", "read"),
    "get_presentation": ("core", "read"),
    "create_presentation": ("core", "write"),
    "add_slide": ("extended", "write"),
    "replace_presentation_text": ("extended", "write"),
    "insert_slide_text": ("extended", "destructive"),
    "delete_slide": ("complete", "destructive"),
    "batch_update_presentation": ("complete", "destructive"),
    "get_slide_thumbnail": ("extended", "read"),
    "list_slide_comments": ("core", "read"),
    "add_slide_comment": ("extended", "write"),
    "reply_to_slide_comment": ("extended", "write"),
    "resolve_slide_comment": ("extended", "write"),
}
SCOPES = ("drive", "presentations")
READ_ONLY_SCOPES = ("drive.readonly", "presentations.readonly")
