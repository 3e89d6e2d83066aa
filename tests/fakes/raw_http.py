"""HTTP/1.1 over a plain socket, for requests no polite client sends: a body of any size streamed
while watching for an early answer, any header, any path bytes. And the RSS of a process.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    sent: int  # body bytes the server took before it answered
    seconds: float


def _read_response(sock: socket.socket, deadline: float) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise ConnectionError(f"no HTTP answer: {data[:200]!r}")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(body) < length and time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def request(
    port: int,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes | Iterable[bytes] = (),
    *,
    chunked: bool = False,
    timeout: float = 60.0,
) -> RawResponse:
    """Send the request, streaming ``body`` until it ends or the server answers; then read the answer.

    ``body`` as bytes goes out with the head in one write, as a client sends a small request: a server
    answering from the head alone then has the whole request read (a body arriving after it closed
    would be answered with a reset, which can discard its answer before it is read).
    Without ``chunked`` the caller gives ``Content-Length`` in ``headers`` (or none at all).
    """
    started = time.monotonic()
    deadline = started + timeout
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if chunked:
        head += "Transfer-Encoding: chunked\r\n"
    whole = body if isinstance(body, bytes) else b""
    assert not (chunked and whole), "a chunked body is given as pieces"
    pieces: Iterable[bytes] = () if isinstance(body, bytes) else body
    sent = len(whole)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall((head + "\r\n").encode("latin-1") + whole)
        try:
            for piece in pieces:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:  # the server answered before the body ended
                    break
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
                sent += len(piece)
                if time.monotonic() > deadline:
                    break
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending: read what it said
        status, response_headers, response_body = _read_response(sock, deadline)
    return RawResponse(status, response_headers, response_body, sent, time.monotonic() - started)


def repeated(prefix: bytes, filler: bytes, size: int, suffix: bytes, piece: int = 1 << 20) -> Iterator[bytes]:
    """``prefix + filler * n + suffix`` of ``size`` bytes in total, produced lazily in pieces."""
    yield prefix
    remaining = size - len(prefix) - len(suffix)
    block = filler * (piece // len(filler))
    while remaining > 0:
        out = block[: min(len(block), remaining)]
        remaining -= len(out)
        yield out
    yield suffix


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")
