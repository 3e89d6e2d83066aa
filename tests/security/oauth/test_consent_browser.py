"""The consent page in a real headless browser (Debian's chromium over the DevTools protocol):
it renders and names the client and where the sign-in goes, approve and deny reach the client,
and another site can neither frame it nor submit it."""

from __future__ import annotations

import contextlib
import html
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.fakes.browser import run_chromium
from tests.fakes.oauth_steps import OAuthSteps, pkce_pair

CLIENT_NAME = "Acme Notes Desktop"


class Site:
    """A tiny web site on 127.0.0.1: records every request; serves the pages it is given."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                site.requests.append(self.path)
                body = site.pages.get(urlsplit(self.path).path, "<!DOCTYPE html><title>ok</title><p>client page</p>")
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, prefix: str, timeout: float = 15) -> dict[str, list[str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in self.requests:
                if path.startswith(prefix):
                    return parse_qs(urlsplit(path).query)
            time.sleep(0.05)
        raise AssertionError(f"nothing arrived at {prefix}: {self.requests}")


@pytest.fixture(scope="module")
def browser():
    with run_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def client_site():
    site = Site()
    yield site
    site.server.shutdown()


@pytest.fixture(scope="module")
def attacker_site():
    """Another site: reached as ``localhost`` while the server is ``127.0.0.1``, so cross-site."""
    site = Site()
    yield site
    site.server.shutdown()


def start_sign_in(browser, server, client_site, state: str) -> tuple[str, str]:
    """Register a client whose redirect goes to ``client_site`` and open its authorize URL in the browser."""
    steps = OAuthSteps(server.public_url)
    redirect = f"http://127.0.0.1:{client_site.port}/callback"
    client_id = steps.register_ok(redirect, client_name=CLIENT_NAME)
    steps.http.close()
    _, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    browser.navigate(f"{server.public_url}/authorize?{urlencode(query)}")
    return client_id, redirect


def test_consent_page_renders_names_the_client_and_destination_and_approve_works(
    browser, server, client_site, tmp_path_factory
):
    client_id, _ = start_sign_in(browser, server, client_site, "approve-state")
    assert "/consent?txn_id=" in browser.url()
    assert browser.evaluate("document.getElementById('client-name').innerText") == CLIENT_NAME
    host = browser.evaluate("document.getElementById('redirect-host').innerText")
    assert host == f"127.0.0.1:{client_site.port}", host
    # Prominent: the destination is the largest text after the heading, and both are visible.
    sizes = browser.evaluate("""[...['h1', '#redirect-host', '.uri']].map(s =>
        parseFloat(getComputedStyle(document.querySelector(s)).fontSize))""")
    assert sizes[1] > sizes[2] and sizes[1] >= 20, sizes
    # Nothing on the page comes from, or points at, another origin.
    page = browser.evaluate("document.documentElement.outerHTML")
    external = [u for u in re.findall(r'(?:src|href|action)="([^"]*)"', page) if u and not u.startswith("data:")]
    assert external == [] or all(u in ("",) for u in external), external
    assert "gofastmcp.com" not in page and "https://" not in html.unescape(page).replace(
        "https://www.googleapis.com/auth/", ""
    ), "no third-party URL on the page"
    resources = browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert all(r.startswith("data:") or r.startswith(server.process.base_url) for r in resources), resources
    assert browser.evaluate("document.querySelector('img.logo').naturalWidth") > 0, "the logo renders offline"
    shot = browser.screenshot(tmp_path_factory.mktemp("consent") / "consent.png")
    Path("/tmp/oauth-consent-screenshot.png").write_bytes(shot.read_bytes())
    browser.click_and_wait("#approve")
    callback = client_site.wait_for("/callback?")
    assert callback.get("state") == ["approve-state"] and callback.get("code"), callback
    assert "error" not in callback


def test_deny_sends_access_denied_to_the_client(browser, server, client_site):
    start_sign_in(browser, server, client_site, "deny-state")
    browser.click_and_wait("#deny")
    callback = client_site.wait_for("/callback?error=")
    assert callback["error"] == ["access_denied"] and callback["state"] == ["deny-state"], callback
    assert "code" not in callback


def test_another_site_cannot_frame_the_consent_page(browser, server, client_site, attacker_site):
    start_sign_in(browser, server, client_site, "frame-state")
    consent_url = browser.url()
    control = f"http://localhost:{client_site.port}/framable"
    attacker_site.pages["/frame"] = (
        f'<!DOCTYPE html><iframe id="victim" src="{html.escape(consent_url)}"></iframe>'
        f'<iframe id="control" src="{control}"></iframe>'
    )
    browser.navigate(f"http://localhost:{attacker_site.port}/frame")
    frames = {frame.get("name") or frame["id"]: frame for frame in browser.frames()}
    urls = [frame.get("url") for frame in frames.values()]
    assert any(url == control for url in urls), f"the control frame must load: {urls}"
    victim = [
        frame
        for frame in frames.values()
        if consent_url in (frame.get("url"), frame.get("unreachableUrl"))
        or frame.get("url", "").startswith("chrome-error")
    ]
    assert victim, urls
    assert all(frame.get("url", "").startswith("chrome-error") for frame in victim), victim


def test_a_cross_site_submission_is_refused(browser, server, client_site, attacker_site):
    start_sign_in(browser, server, client_site, "csrf-state")
    consent_url = browser.url()
    form = {
        name: browser.evaluate(f"document.querySelector('input[name={name}]').value")
        for name in ("txn_id", "csrf_token")
    }
    inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in form.items())
    attacker_site.pages["/submit"] = (
        f'<!DOCTYPE html><form id="f" method="post" action="{html.escape(consent_url)}">{inputs}'
        '<input type="hidden" name="action" value="approve"></form><script>document.getElementById("f").submit()'
        "</script>"
    )
    before = len(client_site.requests)
    browser.navigate(f"http://localhost:{attacker_site.port}/submit")
    with contextlib.suppress(TimeoutError):
        browser.wait_for_load()
    text = browser.evaluate("document.body.innerText")
    # Refused by the origin check in front of every OAuth route, the consent page's own, or (the browser
    # keeping its SameSite cookies) the double-submit check.
    assert "forbidden_origin" in text or "Refused" in text or "mismatch" in text, text
    assert "accounts" not in browser.url() and "/o/oauth2" not in browser.url(), browser.url()
    time.sleep(0.5)
    assert not any(path.startswith("/callback") for path in client_site.requests[before:]), client_site.requests
