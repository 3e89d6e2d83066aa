"""Address parsing: what people type ("Name <a@b>", quoted names, IDN domains) parses to the same mailboxes."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.fakes.google.core import BARE_ADDRESS
from tests.properties.strategies import display_name, domain, local_part
from workspace_mcp_server.google.errors import UserError
from workspace_mcp_server.tools.common import Mailbox, email_address, mailboxes


def typed(name: str, address: str) -> str:
    """How a person writes a mailbox: bare, plain name, or a quoted name when it has specials."""
    if not name:
        return address
    if any(char in name for char in ',;<>"\\@:()[]'):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + f'" <{address}>'
    return f"{name} <{address}>"


def expected_address(local: str, host: str) -> str:
    return f"{local}@{host.encode('idna').decode() if not host.isascii() else host}"


@given(st.lists(st.tuples(display_name, local_part, domain), min_size=1, max_size=5))
def test_typed_lists_parse_back(entries):
    text = ", ".join(typed(name, f"{local}@{host}") for name, local, host in entries)
    parsed = mailboxes("to", text)
    assert parsed == [Mailbox(name, expected_address(local, host)) for name, local, host in entries]
    for mailbox in parsed:
        assert BARE_ADDRESS.fullmatch(mailbox.address)  # what Google's JSON APIs accept (the stand-in's referee)


@given(display_name, local_part, domain)
def test_email_address_is_the_bare_addr_spec(name, local, host):
    assert email_address("email", typed(name, f"{local}@{host}")) == expected_address(local, host)


@given(st.text(min_size=1, max_size=20), st.sampled_from(["\r", "\n", "\r\n"]), st.text(max_size=20))
def test_line_breaks_are_refused(before, newline, after):
    with pytest.raises(UserError, match="must not contain line breaks"):
        mailboxes("to", f"{before}{newline}{after}")


@given(
    st.text(st.characters(min_codepoint=0xA0, blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8),
    local_part,
    domain,
)
def test_non_ascii_local_parts_are_refused_clearly(extra, local, host):
    assume("@" not in extra and "," not in extra and not extra.isspace())
    with pytest.raises(UserError, match="non-ASCII local part|not a valid email address"):
        mailboxes("to", f"{local}{extra.strip()}@{host}")


@given(st.text(max_size=40))
def test_anything_either_parses_to_bare_addresses_or_is_a_clear_error(text):
    try:
        parsed = mailboxes("to", text)
    except UserError as failure:
        assert str(failure).startswith("to: ")
    else:
        assert all(BARE_ADDRESS.fullmatch(mailbox.address) for mailbox in parsed)
