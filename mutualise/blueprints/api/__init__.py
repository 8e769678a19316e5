"""The JSON API v1 (API.md), served by flask-smorest so the OpenAPI document comes from the schemas."""

from flask import Flask

from mutualise.extensions import api, csrf


def register(app: Flask) -> None:
    from mutualise.blueprints.api import (
        bookings,
        charges,
        closures,
        feeds,
        keys,
        ledger,
        me,
        periods,
        quotas,
        resources,
        sites,
        structures,
        users,
    )
    from mutualise.blueprints.api.schemas.base import ERROR_JSON_SCHEMA

    for module in (me, structures, users, sites, resources, bookings, quotas, closures, keys, charges,
                   periods, ledger, feeds):
        api.register_blueprint(module.bp)
        csrf.exempt(module.bp)  # bearer tokens, never cookies: there is no session to forge requests with
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    # flask-smorest's error responses all point at the "Error" schema: describe ours there.
    api.spec.components.schemas["Error"] = ERROR_JSON_SCHEMA
