"""Generators shared by the property tests: text across scripts, addresses, sheet names, msg-ids."""

from __future__ import annotations

from hypothesis import strategies as st

ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
SCRIPTS = [
    "Ann Lee",
    "Jürgen Müller",
    "王小明",
    "Ольга Петрова",
    "محمد علي",
    "שרה כהן",
    "Νίκος",
    "김민준",
    "Nguyễn Văn A",
    "O'Brien, Pat",
    'Dr. "Bob" Smith',
    "back\\slash",
    "=?utf-8?q?x?=",
    "😀 party",
]

# Printable text from many scripts (no control characters, no line breaks): names, subjects, sheet titles.
any_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn")), min_size=1, max_size=80)
words = st.one_of(st.sampled_from(SCRIPTS), any_text)
local_part = st.lists(st.text(st.sampled_from(ATEXT), min_size=1, max_size=12), min_size=1, max_size=3).map(".".join)
label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
domain = st.one_of(
    st.lists(label, min_size=1, max_size=3).map(lambda labels: ".".join(labels + ["example"])),
    st.sampled_from(["bücher.de", "münchen.example", "例え.jp", "xn--bcher-kva.de"]),
)
display_name = st.one_of(st.just(""), words.map(lambda text: " ".join(text.split())))
msg_id = st.builds(
    lambda left, right: f"<{left}@{right}>",
    local_part,
    st.one_of(local_part, st.just("DM6PR12MB4321.namprd12.prod.outlook.com")),
)
long_msg_id = st.builds(
    lambda left: f"<{left}@DM6PR12MB4321.namprd12.prod.outlook.com>",
    st.text(st.sampled_from("ABCDEF0123456789"), min_size=40, max_size=120),
)
