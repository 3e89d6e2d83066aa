"""MIME building: names, subjects, msg-ids and bodies across scripts and lengths. The raw bytes satisfy the
RFCs (judged by the stand-in's referee on the bytes) and parse back, with Python's email package, to the input."""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes.google.gmail import raw_problems
from tests.properties.strategies import any_text, display_name, domain, local_part, long_msg_id, msg_id, words
from workspace_mcp_server.tools.common import Mailbox, addr_spec
from workspace_mcp_server.tools.gmail import build_raw

mailbox = st.builds(
    lambda name, local, host: Mailbox(name, addr_spec("to", f"{local}@{host}")), display_name, local_part, domain
)
subject = st.one_of(
    st.just(""),
    words,
    any_text,
    st.text(st.sampled_from("ab "), max_size=300),
    st.text(st.sampled_from("xyz"), min_size=79, max_size=200),
)
body = st.one_of(
    any_text,
    st.text(max_size=300),
    st.text(st.sampled_from("ä \n"), max_size=1200),
    st.text(st.sampled_from("a"), min_size=990, max_size=1010),
)


def unfolded(raw: bytes, name: str) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    found = re.search(rf"(?im)^{name}:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head)
    return found[1].replace("\r\n", "") if found else ""


def rfc2047_phrase(text: str) -> str:
    """A display name decoded the RFC 2047 way (whitespace between adjacent encoded-words is dropped)."""
    return str(email.header.make_header(email.header.decode_header(text)))


@settings(max_examples=60)  # each example builds and parses a whole message
@given(
    st.lists(mailbox, min_size=1, max_size=4),
    st.lists(mailbox, max_size=2),
    subject,
    body,
    st.one_of(st.none(), msg_id, long_msg_id),
    st.lists(st.one_of(msg_id, long_msg_id), max_size=5),
    st.booleans(),
)
def test_messages_satisfy_the_rfcs_and_parse_back(to, cc, title, text, parent, references, as_html):
    raw = build_raw({"To": to, "Cc": cc, "Bcc": []}, title, text, as_html, parent, references)
    assert raw_problems(raw) == []
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    for field, boxes in (("To", to), ("Cc", cc)):
        if not boxes:
            assert parsed[field] is None
            continue
        assert [a.addr_spec for a in parsed[field].addresses] == [box.address for box in boxes]
        # names judged per RFC 2047 (Python's phrase parser keeps the space between adjacent encoded-words)
        legacy = email.utils.getaddresses([unfolded(raw, field)])
        assert [rfc2047_phrase(name) if "=?" in name else name for name, _ in legacy] == [box.name for box in boxes]
    assert parsed["Subject"] == title
    assert unfolded(raw, "In-Reply-To").split() == ([parent] if parent else [])
    assert unfolded(raw, "References").split() == references
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    content = parsed.get_body(("html",) if as_html else ("plain",)).get_content().replace("\r\n", "\n")
    assert content == normalized + ("" if normalized.endswith("\n") else "\n")
