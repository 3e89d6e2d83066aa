"""Application-level encryption of every stored record (Fernet, rotation via MultiFernet)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_HKDF_INFO = b"workspace-mcp-server token store v1"


def derive_key(client_secret: str) -> bytes:
    """A Fernet key derived from the OAuth client secret (used when no explicit key is set)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(client_secret.encode())
    return base64.urlsafe_b64encode(raw)


class DecryptionError(Exception):
    """A stored record could not be decrypted with any configured key."""


class TokenCipher:
    """Encrypts with the first key; decrypts with any (so keys can be rotated)."""

    def __init__(self, keys: tuple[bytes, ...]):
        if not keys:
            raise ValueError("at least one key is required")
        fernets = [Fernet(k) for k in keys]
        self._primary = fernets[0]
        self._fernet = MultiFernet(fernets)

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def rotate(self, data: bytes) -> bytes | None:
        """``data`` re-encrypted with the current key, or None when it already is."""
        try:
            self._primary.decrypt(data)
            return None
        except InvalidToken:
            pass
        try:
            return self._fernet.rotate(data)
        except InvalidToken:
            raise DecryptionError("record is corrupt or was encrypted with another key") from None

    def decrypt(self, data: bytes) -> bytes:
        try:
            return self._fernet.decrypt(data)
        except InvalidToken:
            raise DecryptionError("record is corrupt or was encrypted with another key") from None
