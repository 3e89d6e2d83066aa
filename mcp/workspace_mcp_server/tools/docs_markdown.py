"""Google Docs <-> Markdown, as pure functions: a document's JSON to Markdown, and Markdown to the requests of ONE
documents.batchUpdate (Google applies a batch all or nothing, so a failed write leaves the document as it was).

Indexes count UTF-16 code units, as the Docs API does. A table of r rows and c columns takes 2 + r * (1 + 2c)
indexes when empty (table start, a start per row and per cell, one newline per cell, table end) and insertTable
puts a newline before it, so the requests are laid out in document order and every insertion lands where the
finished document has it. Lists are bulleted last, from the end, because createParagraphBullets removes the
leading tabs that give the nesting level and so shifts what follows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..google.errors import UserError

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

MAX_MARKDOWN_CHARS = 200_000
MAX_TABLE_COLUMNS = 20
CODE_FONT = "Courier New"
MONOSPACE = frozenset(
    {"courier new", "courier", "consolas", "roboto mono", "source code pro", "inconsolata", "ubuntu mono", "menlo"}
)
ORDERED_GLYPHS = frozenset({"DECIMAL", "ZERO_DECIMAL", "ALPHA", "UPPER_ALPHA", "ROMAN", "UPPER_ROMAN"})
# Google strips these from inserted text (C0 controls but tab, newline and vertical tab; the BMP private use
# area): removed here first, so the computed indexes match what Google stores.
STRIPPED = re.compile("[\x00-\x08\x0c-\x1f\ue000-\uf8ff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON may carry one; no text can hold it


def clean(text: str) -> str:
    """``text`` as Google stores it: stripped characters gone, a lone surrogate the replacement character."""
    return _LONE_SURROGATE.sub("\ufffd", STRIPPED.sub("", text))


_ESCAPED = re.compile(r"([\\`*_\[\]<>~])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_BLOCK_START = re.compile(r"(#{1,6}(?:\s|$)|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|=+\s*$|-+\s*$)")
_EMPHASIS = (("strikethrough", "~~"), ("italic", "*"), ("bold", "**"))  # opening order: outermost first
_PT = "PT"
QUOTE_INDENT = {"magnitude": 36, "unit": _PT}
CODE_SHADING = {"backgroundColor": {"color": {"rgbColor": {"red": 0.95, "green": 0.95, "blue": 0.95}}}}
RULE = {
    "color": {"color": {"rgbColor": {"red": 0.6, "green": 0.6, "blue": 0.6}}},
    "width": {"magnitude": 1, "unit": _PT},
    "padding": {"magnitude": 1, "unit": _PT},
    "dashStyle": "SOLID",
}


def index_units(text: str) -> int:
    """How far ``text`` moves Docs indexes: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# ============================================================================================================
# Docs -> Markdown
# ============================================================================================================
def escape(text: str) -> str:
    return _ENTITY.sub(r"\\&", _ESCAPED.sub(r"\\\1", text))


def link_target(url: str) -> str:
    """A URL as a Markdown link destination: in <...> when it holds spaces or parentheses, which end a bare one."""
    url = re.sub(r"[<>\n]", lambda m: f"%{ord(m.group()):02X}", url)
    return f"<{url}>" if re.search(r"[\s()]", url) else url


def _code_span(text: str) -> str:
    ticks = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _monospace(style: dict) -> bool:
    return style.get("weightedFontFamily", {}).get("fontFamily", "").lower() in MONOSPACE


class _Inline:
    """Renders a paragraph's elements: emphasis as a stack (so bold inside italic nests), links around it."""

    def __init__(self, tab: dict):
        self.tab = tab

    def pieces(self, elements: list[dict]) -> list[tuple[str, dict | None]]:
        """(markdown-ready raw text, None) or (plain text, textStyle) per element, trailing newline dropped."""
        out: list[tuple[str, dict | None]] = []
        for element in elements:
            if "textRun" in element:
                content = element["textRun"].get("content", "").replace("\n", "")
                if content:
                    out.append((content, element["textRun"].get("textStyle", {})))
            elif "inlineObjectElement" in element:
                object_id = element["inlineObjectElement"].get("inlineObjectId", "")
                embedded = (
                    self.tab.get("inlineObjects", {})
                    .get(object_id, {})
                    .get("inlineObjectProperties", {})
                    .get("embeddedObject", {})
                )
                alt = escape(embedded.get("description") or embedded.get("title") or "image")
                uri = embedded.get("imageProperties", {}).get("contentUri", "")
                out.append((f"![{alt}]({link_target(uri)})", None))
            elif "footnoteReference" in element:
                out.append((f"[^{element['footnoteReference'].get('footnoteNumber', '?')}]", None))
            elif "person" in element:
                props = element["person"].get("personProperties", {})
                out.append((props.get("name") or props.get("email", ""), {}))
            elif "richLink" in element:
                props = element["richLink"].get("richLinkProperties", {})
                uri = props.get("uri", "")
                out.append((f"[{escape(props.get('title', uri))}]({link_target(uri)})", None))
        return out

    def render(self, elements: list[dict]) -> str:
        out: list[str] = []
        group: list[tuple[str, dict | None]] = []
        link = None
        for text, style in self.pieces(elements):
            url = (style or {}).get("link", {}).get("url")
            if url != link and group:
                out.append(_emphasis(group) if link is None else f"[{_emphasis(group)}]({link_target(link)})")
                group = []
            link = url
            group.append((text, style))
        if group:
            out.append(_emphasis(group) if link is None else f"[{_emphasis(group)}]({link_target(link)})")
        return "".join(out)


def _punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"  # CommonMark's punctuation: Unicode P and S classes


def _edge(text: str, style: dict, last: bool) -> str:
    return "`" if _monospace(style) else text[-1 if last else 0]


def _flanking(pieces: list[tuple[str, dict | None]]) -> list[tuple[str, dict | None]]:
    """CommonMark cannot close emphasis between punctuation and a letter (bold "Note:" then "text"), nor open it
    between a letter and punctuation: such punctuation takes the emphasis both sides share, so every marker is
    written where it counts."""
    names = [name for name, _ in _EMPHASIS]
    out = list(pieces)
    i = 0
    while i < len(out) - 1:
        (a_text, a_style), (b_text, b_style) = out[i], out[i + 1]
        if a_style is None or b_style is None or not a_text or not b_text:
            i += 1
            continue
        a_marks = {n for n in names if a_style.get(n)}
        b_marks = {n for n in names if b_style.get(n)}
        last, first = _edge(a_text, a_style, True), _edge(b_text, b_style, False)
        closes = a_marks - b_marks and _punctuation(last) and not first.isspace() and not _punctuation(first)
        opens = b_marks - a_marks and _punctuation(first) and not last.isspace() and not _punctuation(last)
        if not (closes or opens):
            i += 1
            continue
        text, style, at = (a_text, a_style, i) if closes else (b_text, b_style, i + 1)
        shared = {k: v for k, v in style.items() if k not in names or k in a_marks & b_marks}
        if _monospace(style):
            keep, moved = "", text
        elif closes:
            keep = text.rstrip("".join(c for c in text if _punctuation(c)))
            moved = text[len(keep) :]
        else:
            moved = text[: len(text) - len(text.lstrip("".join(c for c in text if _punctuation(c))))]
            keep = text[len(moved) :]
        parts = [(keep, style), (moved, shared)] if closes else [(moved, shared), (keep, style)]
        out[at : at + 1] = [part for part in parts if part[0]]
    return out


def _emphasis(pieces: list[tuple[str, dict | None]]) -> str:
    pieces = _flanking(pieces)
    tokens: list[tuple[str, str]] = []  # ("open"|"close"|"text", value)
    stack: list[str] = []
    for text, style in pieces:
        if style is None:
            tokens.append(("text", text))
            continue
        rendered = _code_span(text) if _monospace(style) else escape(text).replace("\v", "\\\n")
        if text.strip():
            wanted = [marker for name, marker in _EMPHASIS if style.get(name)]
            while stack and not set(stack) <= set(wanted):
                tokens.append(("close", stack.pop()))
            for marker in wanted:
                if marker not in stack:
                    tokens.append(("open", marker))
                    stack.append(marker)
        tokens.append(("text", rendered))
    while stack:
        tokens.append(("close", stack.pop()))
    return "".join(value for _, value in _outside_spaces(tokens))


def _outside_spaces(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Emphasis may not start or end with whitespace: move such spaces outside the markers."""
    out = [list(t) for t in tokens]
    for i, (kind, value) in enumerate(out):
        if kind != "text":
            continue
        first = i
        while first and out[first - 1][0] == "open":
            first -= 1
        if first < i and value != value.lstrip(" "):
            out[first][1] = value[: len(value) - len(value.lstrip(" "))] + out[first][1]
            out[i][1] = value = value.lstrip(" ")
        last = i
        while last + 1 < len(out) and out[last + 1][0] == "close":
            last += 1
        if last > i and value != value.rstrip(" "):
            out[last][1] += value[len(value.rstrip(" ")) :]
            out[i][1] = value.rstrip(" ")
    return [(k, v) for k, v in out]


def _plain(paragraph: dict) -> str:
    return "".join(e.get("textRun", {}).get("content", "") for e in paragraph.get("elements", [])).rstrip("\n")


def _is_code(paragraph: dict) -> bool:
    runs = [e["textRun"] for e in paragraph.get("elements", []) if "textRun" in e and e["textRun"]["content"] != "\n"]
    text = _plain(paragraph)
    shaded = bool(paragraph.get("paragraphStyle", {}).get("shading", {}).get("backgroundColor", {}).get("color"))
    others = any("textRun" not in e for e in paragraph.get("elements", []))
    return (
        bool(runs) and not others and (shaded or "\v" in text) and all(_monospace(r.get("textStyle", {})) for r in runs)
    )


def _is_rule(paragraph: dict) -> bool:
    elements = paragraph.get("elements", [])
    if any("horizontalRule" in e for e in elements):
        return not _plain(paragraph).strip()
    border = paragraph.get("paragraphStyle", {}).get("borderBottom", {})
    return not _plain(paragraph) and border.get("width", {}).get("magnitude", 0) > 0


def _table_markdown(table: dict, inline: _Inline) -> str:
    rows = []
    for row in table.get("tableRows", []):
        cells = []
        for cell in row.get("tableCells", []):
            texts = [inline.render(c["paragraph"]["elements"]) for c in cell.get("content", []) if "paragraph" in c]
            joined = " ".join(t for t in texts if t).replace("\\\n", " ").replace("\n", " ")
            cells.append(joined.replace("|", "\\|"))
        rows.append(cells)
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]])


def tab_markdown(tab: dict) -> str:
    """One tab's (or a tab-less document's) body as Markdown; ``tab`` holds body, lists, inlineObjects, footnotes."""
    inline, lists = _Inline(tab), tab.get("lists", {})
    blocks: list[tuple[str, str]] = []  # (kind, markdown); list items of one list join without a blank line
    counters: dict[tuple[str, int], int] = {}
    indents: dict[str, list[int]] = {}
    alternate: dict[str, tuple[bool, bool]] = {}  # list id -> (ordered, switched markers)
    for element in tab.get("body", {}).get("content", []):
        if "table" in element:
            blocks.append(("table", _table_markdown(element["table"], inline)))
            continue
        paragraph = element.get("paragraph")
        if paragraph is None:
            continue
        style = paragraph.get("paragraphStyle", {})
        named = style.get("namedStyleType", "NORMAL_TEXT")
        bullet = paragraph.get("bullet")
        if _is_rule(paragraph):
            blocks.append(("rule", "---"))
            continue
        if _is_code(paragraph) and bullet is None:
            text = _plain(paragraph).replace("\v", "\n")
            fence = "`" * max(3, max((len(r) for r in re.findall("`+", text)), default=0) + 1)
            blocks.append(("code", f"{fence}\n{text}\n{fence}"))
            continue
        text = re.sub(r"(\\\n)+$", "", inline.render(paragraph.get("elements", [])).strip(" \t")).rstrip(" \t")
        if not text:
            continue
        heading = named.startswith("HEADING_") or named in ("TITLE", "SUBTITLE")
        if _BLOCK_START.match(text) and not (heading and bullet is None):  # text that would read as a block
            text = "\\" + text if not text[0].isdigit() else re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
        elif heading:
            text = re.sub(r"(^|\s)(#+)$", r"\1\\\2", text)  # a closing sequence would be dropped
        if bullet is not None:
            list_id, level = bullet.get("listId", ""), bullet.get("nestingLevel", 0)
            levels = lists.get(list_id, {}).get("listProperties", {}).get("nestingLevels", [])
            glyph = levels[level].get("glyphType") if level < len(levels) else None
            for key in [k for k in counters if k[0] == list_id and k[1] > level]:
                del counters[key]
            counters[(list_id, level)] = counters.get((list_id, level), 0) + 1
            ordered = glyph in ORDERED_GLYPHS
            if list_id not in alternate:  # a list right after one of its kind would merge with it: switch markers
                before = blocks[-1][0][5:] if blocks and blocks[-1][0].startswith("item:") else None
                alternate[list_id] = (ordered, before in alternate and alternate[before] == (ordered, False))
            switched = alternate[list_id][1]
            number = counters[(list_id, level)]
            marker = (f"{number})" if switched else f"{number}.") if ordered else ("*" if switched else "-")
            widths = indents.setdefault(list_id, [])
            del widths[level:]
            indent = sum(widths) + (2 * (level - len(widths)) if level > len(widths) else 0)
            widths.append(len(marker) + 1)
            blocks.append((f"item:{list_id}", " " * indent + f"{marker} {text}"))
        elif named.startswith("HEADING_"):
            blocks.append(("heading", "#" * int(named.rsplit("_", 1)[1]) + " " + text))
        elif named == "TITLE":
            blocks.append(("heading", "# " + text))
        elif named == "SUBTITLE":
            blocks.append(("heading", "## " + text))
        elif style.get("indentStart", {}).get("magnitude", 0) > 0:
            blocks.append(("quote", "> " + text.replace("\\\n", "\\\n> ")))
        else:
            blocks.append(("paragraph", text))
    out = ""
    for i, (kind, markdown) in enumerate(blocks):
        if i:
            out += "\n" if kind.startswith("item:") and blocks[i - 1][0] == kind else "\n\n"
        out += markdown
    notes = [f"[^{ref}]: {note}" for ref, note in sorted(_footnotes(tab).items())]
    return out + ("\n\n" + "\n".join(notes) if notes else "")


def _footnotes(tab: dict) -> dict[str, str]:
    numbers = {}
    for element in _all_paragraphs(tab.get("body", {}).get("content", [])):
        for item in element.get("elements", []):
            ref = item.get("footnoteReference")
            if ref:
                numbers[ref.get("footnoteId")] = ref.get("footnoteNumber", "?")
    inline, out = _Inline(tab), {}
    for footnote_id, number in numbers.items():
        content = tab.get("footnotes", {}).get(footnote_id, {}).get("content", [])
        texts = [inline.render(p.get("elements", [])) for p in _all_paragraphs(content)]
        out[number] = " ".join(t for t in texts if t)
    return out


def _all_paragraphs(content: list[dict]) -> list[dict]:
    out = []
    for element in content:
        if "paragraph" in element:
            out.append(element["paragraph"])
        for row in element.get("table", {}).get("tableRows", []):
            for cell in row.get("tableCells", []):
                out += _all_paragraphs(cell.get("content", []))
    return out


def _flat_tabs(tabs: list[dict]) -> list[dict]:
    out = []
    for tab in tabs:
        out.append(tab)
        out += _flat_tabs(tab.get("childTabs", []))
    return out


def document_markdown(document: dict, tab_id: str | None = None) -> str:
    """A document as Markdown; with tabs (includeTabsContent) each tab follows an HTML comment naming it."""
    if "tabs" not in document:
        return tab_markdown(document)
    tabs = _flat_tabs(document["tabs"])
    if tab_id is not None:
        tabs = [t for t in tabs if t.get("tabProperties", {}).get("tabId") == tab_id]
        if not tabs:
            raise UserError(f"tab_id: the document has no tab {tab_id!r}")
        return tab_markdown(tabs[0].get("documentTab", {}))
    if len(tabs) == 1:
        return tab_markdown(tabs[0].get("documentTab", {}))
    sections = []
    for tab in tabs:
        props = tab.get("tabProperties", {})
        title = props.get("title", "").replace("--", "- -")
        sections.append(
            f"<!-- tab: {title} ({props.get('tabId', '')}) -->\n\n" + tab_markdown(tab.get("documentTab", {}))
        )
    return "\n\n".join(sections)


# ============================================================================================================
# Markdown -> one batchUpdate
# ============================================================================================================
Style = dict[str, Any]
Segment = tuple[str, Any]  # ("text", (text, textStyle)) or ("image", url)


@dataclass
class _Paragraph:
    segments: list[Segment] = field(default_factory=list)
    named: str = "NORMAL_TEXT"
    list_key: tuple[int, bool] | None = None  # (top-level list number, ordered)
    level: int = 0
    code: bool = False
    quote: bool = False
    rule: bool = False


@dataclass
class _Table:
    rows: list[list[list[Segment]]]


@dataclass
class Plan:
    requests: list[dict]
    paragraphs: int
    tables: int
    lists: int
    end_index: int


def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # imported on first use: about 30 ms the server's start need not pay

    # html off: raw HTML is kept as literal text, never interpreted.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _inline_segments(children: list[Token]) -> list[Segment]:
    out: list[Segment] = []
    style: Style = {}
    for token in children:
        kind = token.type
        if kind in ("strong_open", "em_open", "s_open"):
            style = {**style, {"strong_open": "bold", "em_open": "italic", "s_open": "strikethrough"}[kind]: True}
        elif kind in ("strong_close", "em_close", "s_close"):
            name = {"strong_close": "bold", "em_close": "italic", "s_close": "strikethrough"}[kind]
            style = {k: v for k, v in style.items() if k != name}
        elif kind == "link_open":
            style = {**style, "link": {"url": str(token.attrGet("href") or "")}}
        elif kind == "link_close":
            style = {k: v for k, v in style.items() if k != "link"}
        elif kind == "text":
            out.append(("text", (token.content, style)))
        elif kind == "softbreak":
            out.append(("text", (" ", style)))
        elif kind == "hardbreak":
            out.append(("text", ("\v", style)))
        elif kind == "code_inline":
            out.append(("text", (token.content, {**style, "weightedFontFamily": {"fontFamily": CODE_FONT}})))
        elif kind == "image":
            src = str(token.attrGet("src") or "")
            if not src.startswith("https://"):
                raise UserError(
                    f"markdown: image {src!r}: only https:// images can be inserted (Google fetches the image once; it "
                    "must be public, PNG, JPEG or GIF, under 50 MB)"
                )
            out.append(("image", src))
        else:
            out.append(("text", (token.content, style)))  # anything else stays literal text
    return [(k, (clean(v[0]), v[1])) if k == "text" else (k, v) for k, v in out]


def parse_markdown(markdown: str) -> list[_Paragraph | _Table]:
    """Markdown as the blocks the document will hold (headings, paragraphs, list items, code, rules, tables)."""
    blocks: list[_Paragraph | _Table] = []
    lists: list[bool] = []  # open lists, ordered or not
    list_number, quote, named = 0, 0, "NORMAL_TEXT"
    table: list[list[list[Segment]]] | None = None
    for token in _parser().parse(markdown):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if not lists:
                list_number += 1
            lists.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "heading_open":
            named = f"HEADING_{token.tag[1]}"
        elif kind == "table_open":
            table = []
        elif kind == "tr_open" and table is not None:
            table.append([])
        elif kind == "table_close" and table is not None:
            if max(len(r) for r in table) > MAX_TABLE_COLUMNS:
                raise UserError(f"markdown: a table has more than {MAX_TABLE_COLUMNS} columns, the most Docs allows")
            blocks.append(_Table(table))
            table = None
        elif kind == "inline" and table is not None:
            table[-1].append(_inline_segments(token.children or []))
        elif kind in ("inline", "fence", "code_block", "hr"):
            block = _Paragraph(named=named, quote=quote > 0)
            if kind == "inline":
                block.segments = _inline_segments(token.children or [])
            elif kind == "hr":
                block.rule = True
            else:
                code = clean(token.content.rstrip("\n")).replace("\n", "\v")
                block.segments, block.code = [("text", (code, {"weightedFontFamily": {"fontFamily": CODE_FONT}}))], True
            if lists:
                block.list_key, block.level = (list_number, lists[0]), len(lists) - 1
                _strip_leading_whitespace(block)
            blocks.append(block)
            named = "NORMAL_TEXT"
    return blocks


def _strip_leading_whitespace(block: _Paragraph) -> None:
    """A list item's own leading tabs would read as nesting: drop leading whitespace."""
    while block.segments and block.segments[0][0] == "text":
        text, style = block.segments[0][1]
        text = text.lstrip(" \t")
        if text:
            block.segments[0] = ("text", (text, style))
            return
        block.segments.pop(0)


def plan_requests(markdown: str, start: int = 1) -> Plan:
    """The batchUpdate requests that write ``markdown`` at ``start``, an empty body's only paragraph."""
    if len(markdown) > MAX_MARKDOWN_CHARS:
        raise UserError(f"markdown: {len(markdown)} characters is over the limit of {MAX_MARKDOWN_CHARS}")
    blocks = parse_markdown(markdown)
    if not blocks:
        raise UserError("markdown: is empty (nothing to write)")
    inserts: list[dict] = []
    styles: list[dict] = []
    list_ranges: dict[tuple[int, bool], list[int]] = {}
    pos = start

    def write(segments: list[Segment], at: int, tail: str = "") -> int:
        """insertText/insertInlineImage requests for ``segments`` at ``at``; returns the index after them."""
        pending = ""
        for kind, value in [*segments, ("text", (tail, {}))]:
            if kind == "image":
                if pending:
                    inserts.append({"insertText": {"location": {"index": at}, "text": pending}})
                    at += index_units(pending)
                    pending = ""
                inserts.append({"insertInlineImage": {"location": {"index": at}, "uri": value}})
                at += 1
                continue
            text, style = value
            begin = at + index_units(pending)
            pending += text
            if style and text:
                fields = ",".join(sorted(style))
                styles.append(
                    {
                        "updateTextStyle": {
                            "range": {"startIndex": begin, "endIndex": begin + index_units(text)},
                            "textStyle": style,
                            "fields": fields,
                        }
                    }
                )
        if pending:
            inserts.append({"insertText": {"location": {"index": at}, "text": pending}})
            at += index_units(pending)
        return at

    def paragraph_style(first: int, end: int, style: dict) -> None:
        styles.append(
            {
                "updateParagraphStyle": {
                    "range": {"startIndex": first, "endIndex": end},
                    "paragraphStyle": style,
                    "fields": ",".join(sorted(style)),
                }
            }
        )

    for i, block in enumerate(blocks):
        follower = blocks[i + 1] if i + 1 < len(blocks) else None
        if isinstance(block, _Table):
            columns = max(len(row) for row in block.rows)
            inserts.append({"insertTable": {"location": {"index": pos}, "rows": len(block.rows), "columns": columns}})
            at = pos + 2  # the newline insertTable puts first, then the table's start
            for row in block.rows:
                at += 1
                for column in range(columns):
                    at = write(row[column] if column < len(row) else [], at + 1) + 1
            pos = at + 1
            continue
        own_newline = follower is not None and not isinstance(follower, _Table)
        first = pos
        prefix: list[Segment] = [("text", ("\t" * block.level, {}))] if block.list_key else []
        pos = write(prefix + block.segments, pos, "\n" if own_newline else "")
        end = pos if own_newline else pos + 1
        style: dict[str, Any] = {}
        if block.named != "NORMAL_TEXT":
            style["namedStyleType"] = block.named
        if block.code:
            style["shading"] = CODE_SHADING
        if block.quote and not block.list_key:
            style |= {"indentStart": QUOTE_INDENT, "indentFirstLine": QUOTE_INDENT}
        if block.rule:
            style["borderBottom"] = RULE
        if style:
            paragraph_style(first, end, style)
        if block.list_key:
            span = list_ranges.setdefault(block.list_key, [first, end])
            span[1] = end
    bullets = [
        {
            "createParagraphBullets": {
                "range": {"startIndex": first, "endIndex": end},
                "bulletPreset": "NUMBERED_DECIMAL_ALPHA_ROMAN" if ordered else "BULLET_DISC_CIRCLE_SQUARE",
            }
        }
        for (_, ordered), (first, end) in reversed(list_ranges.items())
    ]
    paragraphs = sum(isinstance(b, _Paragraph) for b in blocks)
    return Plan(inserts + styles + bullets, paragraphs, len(blocks) - paragraphs, len(list_ranges), pos)
