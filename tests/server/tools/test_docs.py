"""Docs tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

import pytest

from tests.server.tools.conftest import call, error, text

pytestmark = pytest.mark.anyio


async def test_markdown_has_headings_lists_tables_and_styles(mcp):
    result = await call(mcp, "get_doc_content", document_id="doc1")
    assert result.content[0].text == (
        "# Design doc\n\n# Design\n\nThe plan is **simple**.\n\n- First point\n  - Nested point\n\n1. Step one\n\n"
        "| Name | Cost |\n| --- | --- |\n| Disk | 10 |\n\n## Goals\n\nShip it."
    )
    assert result.structured_content["endIndex"] > 1


async def test_plain_text(mcp):
    body = await text(mcp, "get_doc_content", document_id="doc1", format="text")
    assert body.startswith("Design\nThe plan is simple.") and "Name\tCost" in body and "**" not in body


async def test_search_docs(mcp, google_api):
    found = await call(mcp, "search_docs", query="Design")
    assert [f["id"] for f in found.structured_content["files"]] == ["doc1"]
    assert "mimeType = 'application/vnd.google-apps.document'" in google_api.calls("drive.files.list")[-1].query["q"][0]


async def test_unknown_document(mcp):
    assert "document 'nodoc'" in await error(mcp, "get_doc_content", document_id="nodoc")


async def test_create_and_edit(mcp):
    created = (await call(mcp, "create_doc", title="Notes", content="Hello world\nSecond line\n")).structured_content
    doc = created["documentId"]

    async def body() -> str:
        return await text(mcp, "get_doc_content", document_id=doc, format="text")

    assert await body() == "Hello world\nSecond line"
    await call(mcp, "insert_doc_text", document_id=doc, text="Start: ", index=1)
    await call(mcp, "insert_doc_text", document_id=doc, text="The end.")
    assert await body() == "Start: Hello world\nSecond line\nThe end."
    await call(mcp, "replace_doc_range", document_id=doc, start_index=8, end_index=13, text="Howdy")
    await call(mcp, "delete_doc_range", document_id=doc, start_index=1, end_index=8)
    assert await body() == "Howdy world\nSecond line\nThe end."
    replaced = await call(mcp, "find_replace_doc_text", document_id=doc, find="LINE", replace="row", match_case=False)
    assert replaced.structured_content == {"occurrencesChanged": 1}
    await call(
        mcp,
        "batch_update_doc",
        document_id=doc,
        requests=[{"replaceAllText": {"containsText": {"text": "Howdy", "matchCase": True}, "replaceText": "Hi"}}],
    )
    await call(mcp, "insert_doc_table", document_id=doc, rows=2, columns=3)
    markdown = await text(mcp, "get_doc_content", document_id=doc)
    assert markdown.startswith("# Notes\n\nHi world\n\nSecond row\n\nThe end.") and "| --- | --- | --- |" in markdown


@pytest.mark.parametrize(
    "tool, arguments, message",
    [
        ("delete_doc_range", {"start_index": 1, "end_index": 9999}, "end_index: 9999 is past the document text"),
        ("delete_doc_range", {"start_index": 5, "end_index": 5}, "end_index: must be greater than start_index"),
        ("delete_doc_range", {"start_index": 0, "end_index": 5}, "start_index: must be at least 1"),
        ("insert_doc_text", {"text": "x", "index": 9999}, "index: 9999 is past the document end"),
        ("insert_doc_table", {"rows": 0, "columns": 2}, "rows/columns: need 1-100 rows"),
        ("find_replace_doc_text", {"find": "", "replace": "x"}, "find: must not be empty"),
        ("batch_update_doc", {"requests": [{"explode": {}}]}, 'Unknown name "explode"'),
    ],
)
async def test_bad_arguments(mcp, tool, arguments, message):
    assert message in await error(mcp, tool, document_id="doc1", **arguments)


async def test_indexes_count_utf16_code_units(mcp, google_api):
    doc = (await call(mcp, "create_doc", title="Emoji", content="ab\n")).structured_content["documentId"]
    inserted = await call(mcp, "insert_doc_text", document_id=doc, text="🎉abc", index=1)
    assert inserted.structured_content == {"insertedUnits": 5}
    assert "Inserted 5 index units (4 characters)" in inserted.content[0].text
    # chained edit at the reported offset lands right after the inserted text
    await call(
        mcp, "insert_doc_text", document_id=doc, text="|", index=1 + inserted.structured_content["insertedUnits"]
    )
    assert await text(mcp, "get_doc_content", document_id=doc, format="text") == "🎉abc|ab"
    end = (await call(mcp, "get_doc_content", document_id=doc)).structured_content["endIndex"]
    assert end == 1 + len("🎉abc|ab\n\n".encode("utf-16-le")) // 2 == 11  # 🎉 is two units; the doc ends "\n\n"
    await call(mcp, "delete_doc_range", document_id=doc, start_index=1, end_index=3)  # exactly the emoji
    assert await text(mcp, "get_doc_content", document_id=doc, format="text") == "abc|ab"
