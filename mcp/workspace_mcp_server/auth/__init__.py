"""Authentication: the OAuth 2.1 proxy in front of Google and the Google-credential resolvers."""
