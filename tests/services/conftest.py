"""Fixtures shared by the service tests (the page and API tests sign their own treasurer in)."""

import pytest


@pytest.fixture
def treasurer(make):
    return make.user(is_treasurer=True)
