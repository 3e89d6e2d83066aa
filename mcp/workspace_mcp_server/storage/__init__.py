"""Encrypted token storage: a local directory or S3, shared by every server process."""
from workspace_mcp_server.storage.blobs import BlobStore, StorageError, open_blob_store
from workspace_mcp_server.storage.crypto import TokenCipher
from workspace_mcp_server.storage.keyvalue import EncryptedKeyValue

__all__ = ["BlobStore", "EncryptedKeyValue", "StorageError", "TokenCipher", "open_blob_store"]
