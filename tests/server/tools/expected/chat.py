"""The chat tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "list_chat_spaces": ("core", "read"),
    "list_chat_messages": ("core", "read"),
    "get_chat_message": ("extended", "read"),
    "search_chat_messages": ("core", "read"),
    "send_chat_message": ("core", "write"),
    "reply_in_chat_thread": ("core", "write"),
    "add_chat_reaction": ("extended", "write"),
    "update_chat_message": ("extended", "destructive"),
    "delete_chat_message": ("complete", "destructive"),
}
# chat.messages (edit, delete) makes reading, posting and reacting (each granted alone) redundant.
SCOPES = ("chat.spaces.readonly", "chat.messages")
READ_ONLY_SCOPES = ("chat.spaces.readonly", "chat.messages.readonly")
