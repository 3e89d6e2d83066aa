"""The Programmable Search tools a server must list: name -> (tier, kind). The service asks for no
OAuth scope at all: the Custom Search JSON API takes the server's API key, not the user's token."""

TOOLS = {
    "search_custom": ("core", "read"),
    "get_search_engine_info": ("extended", "read"),
}
SCOPES = ()
READ_ONLY_SCOPES = ()
