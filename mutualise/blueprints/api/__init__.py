"""The JSON API v1 (API.md), served by flask-smorest so the OpenAPI document comes from the schemas."""

from flask import Flask


def register(app: Flask) -> None:
    pass
