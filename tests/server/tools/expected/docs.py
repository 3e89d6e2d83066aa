"""The docs tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "search_docs": ("core", "read"),
    "get_doc_content": ("core", "read"),
    "create_doc": ("core", "write"),
    "insert_doc_text": ("extended", "write"),
    "replace_doc_range": ("extended", "destructive"),
    "delete_doc_range": ("extended", "destructive"),
    "find_replace_doc_text": ("extended", "write"),
    "insert_doc_table": ("complete", "write"),
    "batch_update_doc": ("complete", "destructive"),
    "get_doc_as_markdown": ("core", "read"),
    "create_doc_from_markdown": ("core", "write"),
    "replace_doc_with_markdown": ("extended", "destructive"),
    "list_doc_suggestions": ("extended", "read"),
    "resolve_doc_suggestion": ("complete", "destructive"),
    "list_doc_comments": ("core", "read"),
    "add_doc_comment": ("extended", "write"),
    "reply_to_doc_comment": ("extended", "write"),
    "resolve_doc_comment": ("extended", "write"),
}
SCOPES = ("documents", "drive")
READ_ONLY_SCOPES = ("documents.readonly", "drive.readonly")
