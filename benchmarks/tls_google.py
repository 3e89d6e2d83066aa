"""Google as the deployed server meets it: HTTPS, a round-trip time, and a front that is never the bottleneck.

A small asyncio HTTP/1.1 server (keep-alive, TLS with a throwaway CA made at run time with
``cryptography``) in front of the strict stand-ins of tests/fakes, in the stand-in's process:

- every request waits ``delay_s`` first (Google's round trip as a task in AWS sees it);
- ``/tokeninfo`` is answered here from the OAuth stand-in's own grant table (the same answer as
  its route, see ``GoogleOAuthStandIn.tokeninfo_json``), so it costs no thread hop;
- API requests (``/gmail/...``, every other Workspace API path) need a live access token of the
  OAuth stand-in; the first request of each (method, target, body, scopes) is forwarded to the
  strict API stand-in (discovery checks, scope checks, violations recorded) and its 200 answer is
  replayed to every identical request after it. Nothing else is ever answered from the cache;
- everything else (authorize, token, userinfo, revoke) is forwarded to the OAuth stand-in;
- ``/_bench/counts`` and ``/_bench/clear`` (no delay): requests per kind and TLS connections
  accepted, so a benchmark counts the Google calls and handshakes a tool call costs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import ipaddress
import json
import ssl
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

MAX_HEAD = 64 * 1024
MAX_BODY = 10 * 1024 * 1024
REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 413: "Too Large"}


def throwaway_ca(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1/localhost signed by it; returns (ca, cert, key) PEM paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "benchmark throwaway CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def _kind(path: str) -> str:
    if path == "/tokeninfo":
        return "tokeninfo"
    if path == "/token":
        return "token"
    if path.startswith(("/o/oauth2", "/oauth2/", "/revoke")):
        return "oauth"
    return "api"


class TlsGoogle:
    """The HTTPS front; ``oauth`` is the GoogleOAuthStandIn, ``api_root``/``oauth_root`` the strict stand-ins."""

    def __init__(self, oauth, api_root: str, oauth_root: str, delay_s: float, cert_dir: Path):
        self.oauth, self.delay_s = oauth, delay_s
        self.api, self.oauth_upstream = urlsplit(api_root), urlsplit(oauth_root)
        self.ca_file, cert, key = throwaway_ca(cert_dir)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.counts: Counter[str] = Counter()
        self.replies: dict[tuple, tuple[int, str, bytes]] = {}
        self.server: asyncio.base_events.Server | None = None

    @property
    def root(self) -> str:
        return f"https://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(
            self._connection, "127.0.0.1", 0, ssl=self.context, limit=MAX_HEAD, backlog=1024
        )

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counts["connections"] += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
                    return
                request_line, *lines = head[:-4].decode("latin-1").split("\r\n")
                method, target, _version = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    writer.write(_response(411, "application/json", b'{"error":"length required"}'))
                    return
                length = int(headers.get("content-length") or 0)
                if length > MAX_BODY:
                    writer.write(_response(413, "application/json", b'{"error":"too large"}'))
                    return
                body = await reader.readexactly(length) if length else b""
                status, ctype, payload, extra = await self._answer(method, target, headers, body)
                writer.write(_response(status, ctype, payload, extra))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _answer(self, method: str, target: str, headers: dict, body: bytes) -> tuple:
        path = urlsplit(target).path
        if path == "/_bench/counts":
            return 200, "application/json", json.dumps(self.counts).encode(), {}
        if path == "/_bench/clear":
            self.counts.clear()
            return 200, "application/json", b"{}", {}
        kind = _kind(path)
        self.counts[kind] += 1
        await asyncio.sleep(self.delay_s)
        if kind == "tokeninfo":
            query = parse_qs(urlsplit(target).query)
            token = _bearer(headers) or (query.get("access_token") or [""])[0]
            info = self.oauth.tokeninfo_json(token)
            if info is None:
                return 400, "application/json", b'{"error":"invalid_token","error_description":"Invalid Value"}', {}
            return 200, "application/json", json.dumps(info).encode(), {}
        if kind == "api":
            grant = self.oauth.live_grant(_bearer(headers))
            if grant is None:
                return (
                    401,
                    "application/json",
                    json.dumps(
                        {"error": {"code": 401, "status": "UNAUTHENTICATED", "message": "Invalid Credentials"}}
                    ).encode(),
                    {},
                )
            key = (method, target, body, grant.scope)
            cached = self.replies.get(key)
            if cached is not None:
                return cached[0], cached[1], cached[2], {}
            status, ctype, payload, extra = await self._forward(self.api, method, target, headers, body)
            if status == 200:
                self.replies[key] = (status, ctype, payload)
            return status, ctype, payload, extra
        return await self._forward(self.oauth_upstream, method, target, headers, body)

    async def _forward(self, upstream, method: str, target: str, headers: dict, body: bytes) -> tuple:
        def send() -> tuple:
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
            try:
                passed = {k: v for k, v in headers.items() if k in ("authorization", "content-type", "accept")}
                conn.request(method, target, body=body or None, headers=passed)
                answer = conn.getresponse()
                extra = {"Location": answer.getheader("location")} if answer.getheader("location") else {}
                return answer.status, answer.getheader("content-type") or "application/json", answer.read(), extra
            finally:
                conn.close()

        return await asyncio.get_running_loop().run_in_executor(None, send)


def _bearer(headers: dict) -> str:
    value = headers.get("authorization", "")
    return value[7:].strip() if value.lower().startswith("bearer ") else ""


def _response(status: int, ctype: str, body: bytes, extra: dict | None = None) -> bytes:
    lines = [
        f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}",
        f"Content-Type: {ctype}",
        f"Content-Length: {len(body)}",
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime())}",
    ]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
