"""A demo API of a test's own (uvicorn in a thread, random port), for tests that change its
data: the session-wide `demo_api` is shared, and a cancelled order would stay cancelled for
every test after. The fixture is registered for every test module in tests/conftest.py
(`pytest_plugins`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.api import create_app
from tests.conftest import DemoAPI
from tests.support.servers import serve

TOKEN = "private-demo-api-token"


@pytest.fixture
def private_demo_api() -> Iterator[DemoAPI]:
    """The demo API with its seed data, fresh for this test."""
    app = create_app(token=TOKEN)
    with serve(app) as base_url:
        yield DemoAPI(base_url=base_url, token=TOKEN, app=app)
