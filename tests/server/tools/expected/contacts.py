"""The contacts tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "search_contacts": ("core", "read"),
    "list_contacts": ("extended", "read"),
    "get_contact": ("core", "read"),
    "create_contact": ("extended", "write"),
    "update_contact": ("extended", "destructive"),
    "delete_contact": ("complete", "destructive"),
    "list_contact_groups": ("extended", "read"),
    "get_contact_group": ("extended", "read"),
    "create_contact_group": ("extended", "write"),
    "rename_contact_group": ("extended", "write"),
    "delete_contact_group": ("complete", "destructive"),
    "modify_contact_group_members": ("extended", "write"),
}
SCOPES = ("contacts",)
READ_ONLY_SCOPES = ("contacts.readonly",)
