"""The drive tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "search_drive_files": ("core", "read"),
    "list_drive_folder": ("core", "read"),
    "get_drive_file_metadata": ("extended", "read"),
    "get_drive_file_content": ("core", "read"),
    "create_drive_file": ("core", "write"),
    "create_drive_folder": ("extended", "write"),
    "update_drive_file_content": ("complete", "destructive"),
    "move_drive_file": ("extended", "write"),
    "rename_drive_file": ("extended", "write"),
    "trash_drive_file": ("complete", "destructive"),
    "copy_drive_file": ("extended", "write"),
    "list_drive_permissions": ("extended", "read"),
    "share_drive_file": ("extended", "write"),
    "remove_drive_permission": ("complete", "destructive"),
    "list_shared_drives": ("complete", "read"),
    "upload_drive_file": ("core", "write"),
    "replace_drive_file": ("extended", "destructive"),
    "download_drive_file": ("core", "read"),
}
SCOPES = ("drive",)
READ_ONLY_SCOPES = ("drive.readonly",)
