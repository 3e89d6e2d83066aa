"""The Google stand-ins (tests/fakes) in a process of their own, so that the load generator, the
server and Google each have their own interpreter, as in production.

Usage: python -m benchmarks.google_standin [--tls-delay-ms MS --cert-dir DIR] CREDENTIALS_JSON SCOPE...
(from the repository root). Prints one JSON line ({"api_root", "oauth_env", "control"}, and with
--tls-delay-ms a "tls" object: the HTTPS front of benchmarks/tls_google.py, its CA file and the
OAuth URLs through it) when ready and runs until stdin closes.

* The API stand-in accepts every access token the OAuth stand-in minted (with that grant's scopes),
  so users who sign in through the server's OAuth proxy can call tools at once.
* CREDENTIALS_JSON receives an authorized-user credential (single-user mode seeding) whose
  token_uri is the OAuth stand-in.
* A control endpoint (loopback) lets the benchmark make every sign-in a new user, read which API
  requests a tool call made, and clear the request logs so memory stays bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.fakes.google_api import run_google_api
from tests.fakes.google_oauth import CLIENT_ID, CLIENT_SECRET, GoogleOAuthStandIn, run_google_oauth

SINGLE_USER_EMAIL = "bench-single@example.com"


class MintedTokens(Mapping):
    """The API stand-in's token table: its own entries plus every live grant of the OAuth stand-in."""

    def __init__(self, own: dict[str, set[str]], oauth: GoogleOAuthStandIn):
        self.own, self.oauth = own, oauth

    def __getitem__(self, token: str) -> set[str]:
        if token in self.own:
            return self.own[token]
        with self.oauth.lock:
            return set(self.oauth.access_tokens[token].scope.split())

    def __contains__(self, token: object) -> bool:
        with self.oauth.lock:
            return token in self.own or token in self.oauth.access_tokens

    def __iter__(self):
        return iter({**self.own, **self.oauth.access_tokens})

    def __len__(self) -> int:
        return len(self.own) + len(self.oauth.access_tokens)


class DistinctUsers(GoogleOAuthStandIn):
    """Every authorization is approved by a new user (user00001@..., user00002@...), so concurrent
    sign-ins never share an account. Installed on the running stand-in by assigning ``__class__``:
    its routes call methods that read ``self.signed_in`` at request time."""

    _numbers = itertools.count(1)  # next() is atomic; authorize() reads this under self.lock

    @property
    def signed_in(self) -> str:
        return f"user{next(self._numbers):05d}@example.com"

    @signed_in.setter
    def signed_in(self, value: str) -> None:  # the dataclass __init__ sets a default; ignored
        pass


def control_server(api, oauth: GoogleOAuthStandIn) -> ThreadingHTTPServer:
    class Control(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, body: object) -> None:
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/api-requests":
                with api.lock:
                    records = [
                        {
                            "method": r.method,
                            "target": r.path + ("?" + urlencode(r.query, doseq=True) if r.query else ""),
                            "status": r.status,
                            "token": r.token,
                        }
                        for r in api.requests
                    ]
                self._reply({"requests": records, "violations": list(api.violations)})
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/distinct-users":
                oauth.__class__ = DistinctUsers
            elif url.path == "/clear":
                with api.lock:
                    api.requests.clear()
                with oauth.lock:
                    oauth.requests.clear()
            else:
                self.send_error(404)
                return
            self._reply({"ok": True})

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(
    credentials_path: str, scopes: list[str], tls_delay_ms: float | None = None, cert_dir: str | None = None
) -> None:
    # socketserver's default listen backlog is 5: fifty clients connecting at once would see SYN
    # retransmissions (1 s, 3 s) that Google's front ends never cause.
    ThreadingHTTPServer.request_queue_size = 1024
    with run_google_oauth() as oauth, run_google_api() as api:
        api.tokens = MintedTokens(api.tokens, oauth)
        access, refresh = oauth.issue(SINGLE_USER_EMAIL, " ".join(scopes))
        Path(credentials_path).write_text(
            json.dumps(
                {
                    "token": access,
                    "refresh_token": refresh,
                    "token_uri": f"{oauth.base_url}/token",
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "scopes": scopes,
                    "account": SINGLE_USER_EMAIL,
                    # google-auth treats a credential without expiry as expired; the grant lives an hour.
                    "expiry": time.strftime(
                        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + oauth.access_token_lifetime - 60)
                    ),
                }
            )
        )
        control = control_server(api, oauth)
        info = {
            "api_root": api.root_url,
            "oauth_env": oauth.env(),
            "control": f"http://127.0.0.1:{control.server_address[1]}",
        }
        if tls_delay_ms is None:
            print(json.dumps(info), flush=True)
            sys.stdin.read()  # until the benchmark closes our stdin (or exits)
        else:
            asyncio.run(_serve_tls(info, oauth, api.root_url, tls_delay_ms / 1000, Path(cert_dir)))
        control.shutdown()


async def _serve_tls(info: dict, oauth: GoogleOAuthStandIn, api_root: str, delay_s: float, cert_dir: Path) -> None:
    """The HTTPS front (benchmarks/tls_google.py) on this process's event loop, until stdin closes."""
    from .tls_google import TlsGoogle

    front = TlsGoogle(oauth, api_root, oauth.base_url, delay_s, cert_dir)
    await front.start()
    info["tls"] = {
        "root": front.root + "/",
        "ca_file": str(front.ca_file),
        "oauth_env": {k: v.replace(oauth.base_url, front.root) for k, v in oauth.env().items()},
    }
    print(json.dumps(info), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    front.server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tls-delay-ms", type=float, help="serve an HTTPS front adding this delay to every request")
    parser.add_argument("--cert-dir", help="where the front's throwaway CA and certificate are written")
    parser.add_argument("credentials")
    parser.add_argument("scopes", nargs="+")
    args = parser.parse_args()
    if args.tls_delay_ms is not None and not args.cert_dir:
        parser.error("--tls-delay-ms needs --cert-dir")
    main(args.credentials, args.scopes, args.tls_delay_ms, args.cert_dir)
