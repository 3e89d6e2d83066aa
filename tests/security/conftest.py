"""The Google stand-ins every security test attacks through: one pair for the whole package."""

from __future__ import annotations

import pytest

from tests.fakes.google_api import run_linked_google_api
from tests.fakes.google_oauth import run_google_oauth


@pytest.fixture(scope="package")
def google_oauth():
    with run_google_oauth() as stand_in:
        yield stand_in


@pytest.fixture(scope="package")
def google_api(google_oauth):
    with run_linked_google_api(google_oauth) as fake:
        yield fake
