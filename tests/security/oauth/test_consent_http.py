"""The consent page over plain HTTP: its headers, what it shows, and who may submit it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.fakes.oauth_steps import LOOPBACK_REDIRECT, OAuthSteps, consent_form, pkce_pair


def open_consent(steps: OAuthSteps, client_name: str = "Notes", redirect: str = LOOPBACK_REDIRECT):
    client_id = steps.register_ok(redirect, client_name=client_name)
    _, challenge = pkce_pair()
    return steps.consent_page(steps.authorize(client_id, redirect, challenge))


def test_consent_page_headers_forbid_framing_and_third_parties(steps: OAuthSteps):
    page = open_consent(steps)
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, csp
    assert "img-src data:" in csp and "https:" not in csp, csp
    assert page.headers["cache-control"] == "no-store"
    # No URL on the page but the redirect URI it shows and Google's scope names.
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page.text))
    assert urls <= {LOOPBACK_REDIRECT} | {u for u in urls if u.startswith("https://www.googleapis.com/auth/")}, urls


def test_client_name_is_shown_escaped_and_the_hosted_destination_by_host(steps: OAuthSteps):
    page = open_consent(
        steps, client_name='<img src=x onerror=alert(1)>"Evil"', redirect="https://app.partner.example/oauth/callback"
    )
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;Evil&quot;" in page.text
    assert re.search(r'id="redirect-host">app\.partner\.example<', page.text), page.text
    assert "a website" in page.text


def test_foreign_origin_or_cross_site_fetch_cannot_submit(steps: OAuthSteps, google_oauth):
    before = len(google_oauth.requests)
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        page = open_consent(steps)
        response = steps.submit_consent(page, **headers)
        assert response.status_code == 403, (headers, response.status_code, response.text[:200])
        assert "location" not in response.headers
    assert len(google_oauth.requests) == before, "nothing reached Google"


def test_submission_without_the_browsers_csrf_cookie_is_refused(steps: OAuthSteps, server):
    page = open_consent(steps)
    form = consent_form(page.text)
    other_browser = OAuthSteps(server.public_url)
    response = other_browser.http.post(str(page.url), data={**form, "action": "approve"})
    other_browser.http.close()
    assert response.status_code in (400, 403) and "location" not in response.headers, response.text[:200]
    own = steps.submit_consent(page, Origin="{0.scheme}://{0.netloc}".format(urlsplit(steps.public_url)))
    assert own.status_code == 302, own.text[:200]
