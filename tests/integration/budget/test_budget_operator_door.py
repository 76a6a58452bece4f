"""Regression (authorisation drill): operator-only endpoints checked the body before the caller, so a
stranger got 422 (and learnt the schema) instead of 401, staff 422 instead of 403."""
import uuid

import pytest

from tests.support.auth import bearer

ENDPOINTS = [
    ("post", "/api/budget/v1/reviews/{id}/moderation", {"json": {"unknown": 1}}),
    ("get", "/api/budget/v1/reviews?unknown=1", {}),
    ("post", "/api/budget/v1/institutions/{id}/documents", {"json": {"unknown": 1}}),
]


@pytest.mark.parametrize("method, path, kwargs", ENDPOINTS)
def test_the_caller_is_checked_before_the_body(client, method, path, kwargs):
    url = path.format(id=uuid.uuid4())
    assert getattr(client, method)(url, **kwargs).status_code == 401
    staff = bearer("staff", institution_id=str(uuid.uuid4()))
    assert getattr(client, method)(url, headers=staff, **kwargs).status_code == 403
    assert getattr(client, method)(url, headers=bearer("operator"), **kwargs).status_code == 422
