"""The gmail tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "search_gmail_messages": ("core", "read"),
    "get_gmail_message": ("core", "read"),
    "get_gmail_messages": ("core", "read"),
    "get_gmail_thread": ("core", "read"),
    "send_gmail_message": ("core", "write"),
    "list_gmail_labels": ("extended", "read"),
    "modify_gmail_labels": ("extended", "write"),
    "create_gmail_label": ("complete", "write"),
    "create_gmail_draft": ("extended", "write"),
    "list_gmail_drafts": ("extended", "read"),
    "update_gmail_draft": ("complete", "destructive"),
    "send_gmail_draft": ("complete", "write"),
    "get_gmail_attachment": ("extended", "read"),
    "list_gmail_filters": ("complete", "read"),
    "create_gmail_filter": ("complete", "write"),
    "delete_gmail_filter": ("complete", "destructive"),
}
SCOPES = ("gmail.modify", "gmail.settings.basic")
READ_ONLY_SCOPES = ("gmail.readonly",)
