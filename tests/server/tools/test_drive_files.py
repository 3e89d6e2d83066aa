"""Binary Drive files through a real server: resumable upload in parts (with an interrupted part resumed),
ranged download as embedded resources, exports of Google editor files, and the stand-in's protocol checks."""

from __future__ import annotations

import base64
import hashlib
import os

import httplib2
import pytest

from tests.fakes.google.drive import CHUNK_UNIT, EXPORT_LIMIT, GOOGLE_DOC, add_file
from tests.server.tools.conftest import ACCESS_TOKEN, call, error

pytestmark = pytest.mark.anyio

PART = 8 * CHUNK_UNIT  # 2 MiB: what a caller sends per call


@pytest.fixture(autouse=True)
def restored(google_api):
    """The drive as seeded after each test (the stand-in is shared with every other tool test)."""
    saved = {key: dict(google_api.state[key]) for key in ("files", "permissions")}
    yield
    google_api.state.update(saved)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def blob(result) -> tuple[bytes, str]:
    """The bytes and MIME type of a result's embedded resource."""
    resource = result.content[1].resource
    return base64.b64decode(resource.blob), resource.mime_type


async def download_all(mcp, file_id: str, **arguments) -> bytes:
    content, offset = b"", 0
    while offset is not None:
        result = await call(mcp, "download_drive_file", file_id=file_id, offset=offset, **arguments)
        part, _ = blob(result)
        assert result.structured_content["offset"] == offset and len(part) == result.structured_content["bytes"]
        content += part
        offset = result.structured_content["nextOffset"]
    return content


def session_puts(google_api) -> list:
    return [r for r in google_api.requests if r.method == "PUT" and "upload_id" in r.query]


async def test_upload_in_parts_then_download_byte_exact(mcp, google_api):
    data = os.urandom(PART + CHUNK_UNIT + 12_345)  # larger than one part and one upload chunk, odd tail
    first = await call(
        mcp,
        "upload_drive_file",
        name="photo.bin",
        content_base64=b64(data[:PART]),
        mime_type="image/x-raw",
        folder_id="folder1",
        total_size=len(data),
    )
    state = first.structured_content
    assert state == {"upload_id": state["upload_id"], "offset": PART, "total_size": len(data), "complete": False}
    opened = google_api.calls("drive.files.create")[-1]
    assert opened.query["uploadType"] == ["resumable"] and opened.json() == {
        "name": "photo.bin",
        "mimeType": "image/x-raw",
        "parents": ["folder1"],
    }
    second = await call(
        mcp,
        "upload_drive_file",
        content_base64=b64(data[PART:]),
        upload_id=state["upload_id"],
        offset=PART,
        total_size=len(data),
    )
    item = second.structured_content
    assert item["complete"] is True and item["name"] == "photo.bin" and item["parents"] == ["folder1"]
    assert google_api.state["files"][item["id"]]["content"] == data
    assert "Uploaded photo.bin" in second.content[0].text
    # the continuation asked Google what it held first (a status query), then sent the rest
    puts = session_puts(google_api)[-3:]
    assert [r.body[:0] == b"" and len(r.body) for r in puts] == [PART, 0, len(data) - PART]

    downloaded = await download_all(mcp, item["id"], max_bytes=1_000_000)
    assert hashlib.sha256(downloaded).digest() == hashlib.sha256(data).digest()
    ranges = [r for r in google_api.calls("drive.files.get") if r.query.get("alt") == ["media"]][-3:]
    assert len(ranges) == 3  # 2.3 MB in three 1 MB parts, each a Range request


async def test_small_upload_is_one_call_and_download_is_an_embedded_resource(mcp, google_api):
    data = bytes(range(256)) * 3
    done = await call(mcp, "upload_drive_file", name="bytes.dat", content_base64=b64(data))
    file_id = done.structured_content["id"]
    assert done.structured_content["mimeType"] == "application/octet-stream"
    result = await call(mcp, "download_drive_file", file_id=file_id)
    content, mime = blob(result)
    assert content == data and mime == "application/octet-stream"
    assert result.content[0].type == "text" and result.content[1].type == "resource"
    assert result.structured_content["nextOffset"] is None and "bytes 0-767 of 768" in result.content[0].text
    # URL-safe base64 without padding is accepted too
    urlsafe = base64.urlsafe_b64encode(b"\xfb\xff\xfe").decode().rstrip("=")
    done = await call(mcp, "upload_drive_file", name="urlsafe.dat", content_base64=urlsafe)
    assert google_api.state["files"][done.structured_content["id"]]["content"] == b"\xfb\xff\xfe"


async def test_an_interrupted_part_resumes_where_it_broke(mcp, google_api):
    data = os.urandom(PART + 1000)
    google_api.state["upload_cuts"].append(300_000)  # the first PUT is cut after 300000 bytes: 262144 are kept
    first = await call(mcp, "upload_drive_file", name="cut.bin", content_base64=b64(data[:PART]), total_size=len(data))
    assert first.structured_content["offset"] == PART
    puts = session_puts(google_api)[-3:]
    # the cut chunk, the status query (Content-Range: bytes */total, empty body), then only the missing bytes
    assert [len(r.body) for r in puts] == [PART, 0, PART - CHUNK_UNIT]
    assert google_api.state["upload_cuts"] == []
    # a caller that lost the reply sends the same part again: the server sees Google has it and moves on
    again = await call(
        mcp,
        "upload_drive_file",
        content_base64=b64(data[:PART]),
        upload_id=first.structured_content["upload_id"],
        offset=0,
        total_size=len(data),
    )
    assert again.structured_content["offset"] == PART
    done = await call(
        mcp,
        "upload_drive_file",
        content_base64=b64(data[PART:]),
        upload_id=first.structured_content["upload_id"],
        offset=PART,
        total_size=len(data),
    )
    assert google_api.state["files"][done.structured_content["id"]]["content"] == data


async def test_a_gap_an_expired_session_and_bad_parts_are_clear_errors(mcp, google_api):
    data = os.urandom(PART)
    first = await call(mcp, "upload_drive_file", name="gap.bin", content_base64=b64(data), total_size=2 * PART)
    upload_id = first.structured_content["upload_id"]
    gap = await error(
        mcp,
        "upload_drive_file",
        content_base64=b64(data[:CHUNK_UNIT]),
        upload_id=upload_id,
        offset=PART + CHUNK_UNIT,
        total_size=2 * PART,
    )
    assert f"offset: Google has the first {PART} bytes" in gap and f"offset={PART}" in gap
    google_api.state["upload_sessions"].pop(upload_id)  # expired
    expired = await error(
        mcp, "upload_drive_file", content_base64=b64(data), upload_id=upload_id, offset=PART, total_size=2 * PART
    )
    assert "Not found" in expired and "expire" in expired
    before = len(google_api.requests)
    odd = await error(mcp, "upload_drive_file", name="x", content_base64=b64(b"x" * 1000), total_size=5000)
    assert "multiple of 262144" in odd
    assert "not base64" in await error(mcp, "upload_drive_file", name="x", content_base64="abc$def")
    assert "truncated" in await error(mcp, "upload_drive_file", name="x", content_base64="QUJDR")
    assert "less than" in await error(mcp, "upload_drive_file", name="x", content_base64=b64(b"abcd"), total_size=2)
    assert "name: required" in await error(mcp, "upload_drive_file", content_base64=b64(b"abcd"))
    assert "upload id" in await error(
        mcp, "upload_drive_file", content_base64=b64(b"a"), upload_id="../../x?y=", total_size=1
    )
    assert len(google_api.requests) == before  # refused before anything reached Google
    missing = await error(mcp, "upload_drive_file", name="x", content_base64=b64(b"a"), folder_id="nope")
    assert "Not found: folder 'nope'" in missing


async def test_download_exports_google_files_and_reports_the_export_limit(mcp, google_api):
    result = await call(mcp, "download_drive_file", file_id="doc1", export_format="docx")
    content, mime = blob(result)
    assert content == b"Design\nThe plan is simple." and mime.endswith("wordprocessingml.document")
    assert google_api.calls("drive.files.export")[-1].query["mimeType"] == [mime]
    pdf = await call(mcp, "download_drive_file", file_id="doc1", max_bytes=6, offset=7)
    assert blob(pdf) == (b"The pl", "application/pdf") and pdf.structured_content["nextOffset"] == 13
    add_file(google_api, "bigdoc", "Huge doc", GOOGLE_DOC, b"x" * (EXPORT_LIMIT + 1))
    try:
        too_big = await error(mcp, "download_drive_file", file_id="bigdoc", export_format="txt")
    finally:
        google_api.state["files"].pop("bigdoc")
    assert "too large to export" in too_big and "at most 10 MB" in too_big
    assert "only Google Docs" in await error(mcp, "download_drive_file", file_id="pdf1", export_format="pdf")
    assert "folder" in await error(mcp, "download_drive_file", file_id="folder1")


async def test_download_ranges_and_bad_arguments(mcp, google_api):
    whole = await call(mcp, "download_drive_file", file_id="pdf1")
    assert blob(whole) == (b"%PDF-1.4 binary\x00\x01", "application/pdf")
    tail = await call(mcp, "download_drive_file", file_id="pdf1", offset=9, max_bytes=100)
    assert blob(tail)[0] == b"binary\x00\x01"
    assert google_api.calls("drive.files.get")[-1].query["alt"] == ["media"]
    assert "past the end" in await error(mcp, "download_drive_file", file_id="pdf1", offset=17)
    assert "max_bytes" in await error(mcp, "download_drive_file", file_id="pdf1", max_bytes=0)
    assert "max_bytes" in await error(mcp, "download_drive_file", file_id="pdf1", max_bytes=5 * 1024 * 1024)
    assert "offset" in await error(mcp, "download_drive_file", file_id="pdf1", offset=-1)
    assert "Not found: file 'nope'" in await error(mcp, "download_drive_file", file_id="nope")
    google_api.fail("drive.files.get", 500, times=1)
    retried = await call(mcp, "download_drive_file", file_id="pdf1")  # metadata read retried after a 500
    assert blob(retried)[0].startswith(b"%PDF")


def plain_http() -> httplib2.Http:
    http = httplib2.Http()
    http.follow_redirects = False  # 308 is Resume Incomplete here
    return http


def raw_put(google_api, upload_id: str, body: bytes, content_range: str, token: str = ACCESS_TOKEN):
    uri = f"{google_api.root_url}upload/drive/v3/files?uploadType=resumable&upload_id={upload_id}"
    headers = {"Content-Range": content_range, "Authorization": f"Bearer {token}", "Content-Length": str(len(body))}
    return plain_http().request(uri, "PUT", body=body, headers=headers)


def open_session(google_api, total: int) -> str:
    uri = f"{google_api.root_url}upload/drive/v3/files?uploadType=resumable"
    headers = {
        "Authorization": f"Bearer {ACCESS_TOKEN}",
        "Content-Type": "application/json",
        "X-Upload-Content-Length": str(total),
    }
    response, _ = plain_http().request(uri, "POST", body=b'{"name": "raw.bin"}', headers=headers)
    assert response.status == 200
    return response["location"].rsplit("upload_id=", 1)[1]


def test_the_stand_in_holds_the_resumable_protocol_strictly(google_api):
    upload_id = open_session(google_api, 3 * CHUNK_UNIT + 5)
    response, _ = raw_put(google_api, upload_id, b"", f"bytes */{3 * CHUNK_UNIT + 5}")
    assert response.status == 308 and "range" not in response  # nothing received yet: no Range header
    response, _ = raw_put(google_api, upload_id, b"a" * 1000, f"bytes 0-999/{3 * CHUNK_UNIT + 5}")
    assert response.status == 400  # not a multiple of 256 KiB and not the last chunk
    response, _ = raw_put(google_api, upload_id, b"a" * CHUNK_UNIT, f"bytes 0-{CHUNK_UNIT - 1}/*")
    assert response.status == 308 and response["range"] == f"bytes=0-{CHUNK_UNIT - 1}"
    response, _ = raw_put(google_api, upload_id, b"b" * CHUNK_UNIT, f"bytes 0-{CHUNK_UNIT - 1}/*")
    assert response.status == 400  # does not start where the session stands
    response, _ = raw_put(google_api, upload_id, b"b" * 10, f"bytes {CHUNK_UNIT}-{CHUNK_UNIT + 20}/*")
    assert response.status == 400  # Content-Range and body length disagree
    response, _ = raw_put(google_api, upload_id, b"", f"bytes */{3 * CHUNK_UNIT + 5}", token="someone-else")
    assert response.status in (401, 404)
    rest = b"c" * (2 * CHUNK_UNIT + 5)
    response, content = raw_put(
        google_api, upload_id, rest, f"bytes {CHUNK_UNIT}-{3 * CHUNK_UNIT + 4}/{3 * CHUNK_UNIT + 5}"
    )
    assert response.status in (200, 201) and b'"raw.bin"' in content
    response, content = raw_put(google_api, upload_id, b"", f"bytes */{3 * CHUNK_UNIT + 5}")
    assert response.status == 200 and b'"raw.bin"' in content  # complete: the status query gives the file
    assert raw_put(google_api, "upl-unknown", b"", "bytes */5")[0].status == 404
    assert len(google_api.violations) == 3
    google_api.violations.clear()


def test_the_stand_in_serves_ranges_as_rfc_9110_says(google_api):
    def get(range_header: str):
        headers = {"Authorization": f"Bearer {ACCESS_TOKEN}", "Range": range_header}
        return plain_http().request(f"{google_api.root_url}drive/v3/files/pdf1?alt=media", "GET", headers=headers)

    response, content = get("bytes=4-7")
    assert response.status == 206 and content == b"-1.4" and response["content-range"] == "bytes 4-7/17"
    response, content = get("bytes=15-")
    assert response.status == 206 and content == b"\x00\x01"
    response, _ = get("bytes=17-20")
    assert response.status == 416 and response["content-range"] == "bytes */17"


# ---- replacing an existing file's content (files.update, resumable): a new revision of the same file ----------
def own_binary(google_api, file_id: str, content: bytes = b"old bytes") -> dict:
    """A binary file of the test's own, shared with a colleague (the fixture removes it afterwards)."""
    item = add_file(google_api, file_id, "report.bin", "application/octet-stream", content, ["folder1"])
    google_api.state["permissions"][file_id].append(
        {"id": "perm-colleague", "type": "user", "role": "reader", "emailAddress": "colleague@example.com"}
    )
    return dict(item)


async def test_replace_a_file_in_parts_keeps_its_id_place_and_sharing(mcp, google_api):
    before = own_binary(google_api, "bin-replace")
    permissions = list(google_api.state["permissions"]["bin-replace"])
    count = len(google_api.state["files"])
    data = os.urandom(PART + CHUNK_UNIT + 777)
    first = await call(
        mcp, "replace_drive_file", file_id="bin-replace", content_base64=b64(data[:PART]), total_size=len(data)
    )
    state = first.structured_content
    assert state["file_id"] == "bin-replace" and state["offset"] == PART and state["complete"] is False
    assert "file_id=bin-replace" in first.content[0].text
    opened = google_api.calls("drive.files.update")[-1]
    assert (opened.method, opened.path) == ("PATCH", "/upload/drive/v3/files/bin-replace")
    assert opened.query["uploadType"] == ["resumable"] and opened.json() == {}  # no metadata: nothing else changes
    done = await call(
        mcp,
        "replace_drive_file",
        file_id="bin-replace",
        content_base64=b64(data[PART:]),
        upload_id=state["upload_id"],
        offset=PART,
        total_size=len(data),
    )
    item = done.structured_content
    assert item["complete"] is True and item["id"] == "bin-replace" and item["size"] == str(len(data))
    assert done.content[0].text.startswith("Replaced the content of report.bin (id=bin-replace")
    assert [r.path for r in session_puts(google_api)[-3:]] == ["/upload/drive/v3/files/bin-replace"] * 3
    after = google_api.state["files"]["bin-replace"]
    assert len(google_api.state["files"]) == count  # no new file
    for key in ("name", "mimeType", "parents", "webViewLink"):
        assert after[key] == before[key]
    assert after["headRevisionId"] and after["modifiedTime"] != before["modifiedTime"]
    assert google_api.state["permissions"]["bin-replace"] == permissions
    downloaded = await download_all(mcp, "bin-replace", max_bytes=4 * 1024 * 1024)
    assert hashlib.sha256(downloaded).digest() == hashlib.sha256(data).digest()


async def test_replace_and_rename_in_one_call(mcp, google_api):
    own_binary(google_api, "bin-rename")
    done = await call(
        mcp,
        "replace_drive_file",
        file_id="bin-rename",
        name="report v2.pdf",
        mime_type="application/pdf",
        content_base64=b64(b"%PDF-1.7 \x00\xff new"),
    )
    item = done.structured_content
    assert (item["id"], item["name"], item["mimeType"]) == ("bin-rename", "report v2.pdf", "application/pdf")
    assert google_api.calls("drive.files.update")[-1].json() == {"name": "report v2.pdf", "mimeType": "application/pdf"}
    assert google_api.state["files"]["bin-rename"]["content"] == b"%PDF-1.7 \x00\xff new"
    assert google_api.state["files"]["bin-rename"]["parents"] == ["folder1"]


async def test_replacing_what_cannot_be_replaced_is_a_clear_error(mcp, google_api):
    before = len(google_api.requests)
    moved = await error(mcp, "replace_drive_file", file_id="pdf1", folder_id="folder1", content_base64=b64(b"x"))
    assert "folder_id" in moved and "Unexpected keyword argument" in moved  # a replaced file stays where it is
    assert "file_id: empty" in await error(mcp, "replace_drive_file", file_id=" ", content_base64=b64(b"x"))
    blank = await error(mcp, "replace_drive_file", file_id="pdf1", name=" ", content_base64=b64(b"x"))
    assert "name: a new name is blank" in blank
    assert len(google_api.requests) == before  # refused before anything reached Google
    assert "Not found: file 'nope'" in await error(mcp, "replace_drive_file", file_id="nope", content_base64=b64(b"x"))
    native = await error(mcp, "replace_drive_file", file_id="doc1", content_base64=b64(b"%PDF"))
    assert "'Design doc' is a Google editor file (application/vnd.google-apps.document)" in native
    assert "binary content" in native and "upload_drive_file" in native
    assert "'Projects' is a folder" in await error(mcp, "replace_drive_file", file_id="folder1", content_base64="eA==")
    assert not [r for r in google_api.requests[before:] if r.method == "PATCH"]  # no session was opened
    assert google_api.state["files"]["doc1"]["content"] == b"Design\nThe plan is simple."


async def test_an_interrupted_replacement_resumes_and_continues_only_at_its_file(mcp, google_api):
    own_binary(google_api, "bin-cut")
    data = os.urandom(PART + 5000)
    google_api.state["upload_cuts"].append(CHUNK_UNIT + 1000)  # the first PUT breaks; 256 KiB of it are kept
    first = await call(
        mcp, "replace_drive_file", file_id="bin-cut", content_base64=b64(data[:PART]), total_size=len(data)
    )
    upload_id = first.structured_content["upload_id"]
    assert first.structured_content["offset"] == PART
    assert [len(r.body) for r in session_puts(google_api)[-3:]] == [PART, 0, PART - CHUNK_UNIT]
    assert google_api.state["files"]["bin-cut"]["content"] == b"old bytes"  # unchanged until the last byte
    # the session belongs to the file's upload URI: continuing it as a new upload is refused, naming the cure
    lost = await error(
        mcp,
        "upload_drive_file",
        content_base64=b64(data[PART:]),
        upload_id=upload_id,
        offset=PART,
        total_size=len(data),
    )
    assert "Not found" in lost and "file_id" in lost
    done = await call(
        mcp,
        "replace_drive_file",
        file_id="bin-cut",
        content_base64=b64(data[PART:]),
        upload_id=upload_id,
        offset=PART,
        total_size=len(data),
    )
    assert done.structured_content["id"] == "bin-cut"
    assert google_api.state["files"]["bin-cut"]["content"] == data


def open_update_session(google_api, file_id: str, body: bytes = b"{}") -> tuple:
    uri = f"{google_api.root_url}upload/drive/v3/files/{file_id}?uploadType=resumable"
    headers = {"Authorization": f"Bearer {ACCESS_TOKEN}", "Content-Type": "application/json"}
    return plain_http().request(uri, "PATCH", body=body, headers=headers)


def test_the_stand_in_replaces_only_existing_binary_files(google_api):
    own_binary(google_api, "bin-raw")
    assert open_update_session(google_api, "nope")[0].status == 404
    assert open_update_session(google_api, "doc1")[0].status == 400
    assert open_update_session(google_api, "folder1")[0].status == 400
    assert open_update_session(google_api, "bin-raw", b'{"parents": ["root"]}')[0].status == 403
    response, _ = open_update_session(google_api, "bin-raw")
    assert response.status == 200 and "/upload/drive/v3/files/bin-raw?" in response["location"]
    upload_id = response["location"].rsplit("upload_id=", 1)[1]
    # the new file's session URI does not reach a revision's session
    assert raw_put(google_api, upload_id, b"abc", "bytes 0-2/3")[0].status == 404
    google_api.state["files"].pop("bin-raw")  # deleted while the upload ran
    uri = f"{google_api.root_url}upload/drive/v3/files/bin-raw?uploadType=resumable&upload_id={upload_id}"
    headers = {"Content-Range": "bytes 0-2/3", "Authorization": f"Bearer {ACCESS_TOKEN}"}
    assert plain_http().request(uri, "PUT", body=b"abc", headers=headers)[0].status == 404
