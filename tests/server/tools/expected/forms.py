"""The forms tools a server must list: name -> (tier, kind), and the
scopes (after https://www.googleapis.com/auth/) it asks for alone, in full and in read-only mode."""

TOOLS = {
    "create_form": ("core", "write"),
    "get_form": ("core", "read"),
    "add_form_question": ("core", "write"),
    "update_form_question": ("extended", "write"),
    "delete_form_item": ("complete", "destructive"),
    "list_form_responses": ("core", "read"),
    "get_form_response": ("extended", "read"),
    "set_form_publish_settings": ("extended", "write"),
}
SCOPES = ("forms.body", "forms.responses.readonly")
READ_ONLY_SCOPES = ("forms.body.readonly", "forms.responses.readonly")
