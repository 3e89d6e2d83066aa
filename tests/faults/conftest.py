"""Fixtures for the fault tests: moto and the Google stand-ins, each behind a fault-injection proxy, and one
cluster (two server processes behind the nginx ALB stand-in) that the tests share: starting processes is
most of the time these tests take. Every test leaves the cluster serving and every fault cleared."""

from __future__ import annotations

import uuid

import pytest

from tests.fakes.fault_proxy import FaultProxy, run_fault_proxy
from tests.fakes.google_api import run_linked_google_api
from tests.fakes.google_oauth import GoogleOAuthStandIn, run_google_oauth
from tests.fakes.moto_server import MotoServer
from tests.faults.cluster import Cluster, run_cluster


@pytest.fixture(scope="session")
def s3_proxy(moto: MotoServer) -> FaultProxy:
    with run_fault_proxy(moto.endpoint) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def google_oauth() -> GoogleOAuthStandIn:
    with run_google_oauth() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def google_api(google_oauth):
    with run_linked_google_api(google_oauth) as fake:
        yield fake


@pytest.fixture(scope="session")
def oauth_proxy(google_oauth) -> FaultProxy:
    with run_fault_proxy(google_oauth.base_url) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def api_proxy(google_api) -> FaultProxy:
    with run_fault_proxy(google_api.root_url) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def cluster(moto, s3_proxy, google_oauth, oauth_proxy, google_api, api_proxy, tmp_path_factory) -> Cluster:
    with run_cluster(
        moto, s3_proxy, google_oauth, oauth_proxy, api_proxy.url + "/", tmp_path_factory.mktemp("cluster")
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def _clear_faults(request):
    """No rule outlives its test."""
    yield
    for name in ("s3_proxy", "oauth_proxy", "api_proxy"):
        if name in request.fixturenames:
            request.getfixturevalue(name).clear()


@pytest.fixture
def bucket(moto: MotoServer) -> str:
    name = f"faults-{uuid.uuid4().hex[:12]}"
    moto.client("s3").create_bucket(Bucket=name)
    return name
