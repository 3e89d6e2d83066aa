"""Encrypted token storage: a local directory or S3, shared by every server process.

blobs (bytes, atomic writes) -> crypto (Fernet/MultiFernet) -> keyvalue (the AsyncKeyValue
FastMCP's OAuth proxy and the single-user resolver use).
"""
