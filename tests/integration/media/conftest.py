import uuid

import pytest

from services.media.app import create_app
from tests.support.auth import bearer


@pytest.fixture(scope="session")
def media_app():
    return create_app()


@pytest.fixture
def client(media_app):
    return media_app.test_client()


@pytest.fixture
def ctx(media_app):
    return media_app.extensions["media"]


@pytest.fixture
def operator():
    return bearer("operator")


@pytest.fixture
def citizen():
    """An anonymous citizen at an address of their own (so rate limits of other tests do not apply)."""
    return {"X-Real-IP": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
