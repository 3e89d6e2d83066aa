"""The sheets tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "list_spreadsheets": ("core", "read"),
    "get_spreadsheet_info": ("core", "read"),
    "read_sheet_values": ("core", "read"),
    "write_sheet_values": ("core", "destructive"),
    "append_sheet_rows": ("extended", "write"),
    "clear_sheet_range": ("extended", "destructive"),
    "create_spreadsheet": ("core", "write"),
    "add_sheet": ("extended", "write"),
    "rename_sheet": ("complete", "write"),
    "delete_sheet": ("complete", "destructive"),
    "format_sheet_range": ("complete", "write"),
    "list_sheet_comments": ("core", "read"),
    "add_sheet_comment": ("extended", "write"),
    "reply_to_sheet_comment": ("extended", "write"),
    "resolve_sheet_comment": ("extended", "write"),
}
SCOPES = ("drive", "spreadsheets")
READ_ONLY_SCOPES = ("drive.readonly", "spreadsheets.readonly")
