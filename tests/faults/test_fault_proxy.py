"""The fault proxy itself: passes traffic through untouched and applies each fault exactly as often as asked."""

from __future__ import annotations

import time

import httpx2
import pytest

from tests.fakes.fault_proxy import MAX_DELAY, S3_SLOW_DOWN, Rule


def _s3(moto, endpoint):
    import boto3
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 1}, read_timeout=2)
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def test_passes_through_and_records(moto, s3_proxy, bucket):
    s3 = _s3(moto, s3_proxy.url)
    mark = s3_proxy.mark()
    s3.put_object(Bucket=bucket, Key="k", Body=b"v" * 100_000)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v" * 100_000
    assert [(s.method, s.action) for s in s3_proxy.requests(since=mark)] == [("PUT", "forward"), ("GET", "forward")]


def test_status_rule_applies_times_then_passes(moto, s3_proxy, bucket):
    from botocore.exceptions import ClientError

    s3 = _s3(moto, s3_proxy.url)
    s3_proxy.add("status", method="PUT", status=503, body=S3_SLOW_DOWN, times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as error:
            s3.put_object(Bucket=bucket, Key="k", Body=b"v")
        assert error.value.response["Error"]["Code"] == "SlowDown"
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")


def test_delay_drop_reset_and_down(moto, s3_proxy, bucket):
    from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

    s3 = _s3(moto, s3_proxy.url)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3_proxy.add("delay", seconds=0.5)
    started = time.monotonic()
    s3.get_object(Bucket=bucket, Key="k")
    assert 0.5 <= time.monotonic() - started < 2
    s3_proxy.add("drop", seconds=3)
    with pytest.raises(ReadTimeoutError):
        s3.get_object(Bucket=bucket, Key="k")
    s3_proxy.add("reset")
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        s3.get_object(Bucket=bucket, Key="k")
    s3_proxy.down()
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        s3.get_object(Bucket=bucket, Key="k")
    s3_proxy.up()
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_reset_after_forwarding_lets_the_write_happen(moto, s3_proxy, bucket):
    from botocore.exceptions import ConnectionClosedError

    s3 = _s3(moto, s3_proxy.url)
    s3_proxy.add("reset_after", method="PUT")
    with pytest.raises(ConnectionClosedError):
        s3.put_object(Bucket=bucket, Key="ambiguous", Body=b"written")
    assert moto.client("s3").get_object(Bucket=bucket, Key="ambiguous")["Body"].read() == b"written"


def test_google_answers_with_retry_after(google_api, api_proxy):
    api_proxy.add("status", status=429, headers={"Retry-After": "7"}, body=b'{"error": {"code": 429}}')
    response = httpx2.get(api_proxy.url + "/gmail/v1/users/me/labels")
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert httpx2.get(api_proxy.url + "/gmail/v1/users/me/labels").status_code == 401  # passes through: no token


def test_rules_are_bounded():
    assert Rule("delay", seconds=3600).seconds == MAX_DELAY
    with pytest.raises(ValueError):
        Rule("explode")
