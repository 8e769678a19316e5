"""The OpenAPI document is generated from the schemas that validate the requests."""

import pytest

from mutualise.models import Resource, Structure


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_public_and_lists_every_endpoint(document):
    assert {"/api/v1/me", "/api/v1/settings", "/api/v1/structures", "/api/v1/structures/{structure_id}",
            "/api/v1/structures/{structure_id}/members", "/api/v1/users", "/api/v1/users/{user_id}",
            "/api/v1/sites", "/api/v1/sites/{site_id}", "/api/v1/resources",
            "/api/v1/resources/{resource_id}"} <= set(document["paths"])
    assert set(document["paths"]["/api/v1/structures/{structure_id}"]) >= {"get", "patch"}


def test_request_schemas_carry_their_lengths_and_required_fields(document):
    schemas = document["components"]["schemas"]
    body = document["paths"]["/api/v1/structures"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/StructureInput"}
    assert schemas["StructureInput"]["properties"]["name"]["maxLength"] == Structure.NAME_MAX
    assert schemas["StructureInput"]["required"] == ["name"]
    assert schemas["StructureInput"]["additionalProperties"] is False
    assert "required" not in schemas["StructurePatch"]
    assert schemas["ResourceInput"]["properties"]["name"]["maxLength"] == Resource.NAME_MAX
    assert set(schemas["ResourceRules"]["properties"]) >= {"step_minutes", "opening_hours"}
    assert "step_minutes" in schemas["ResourceTariff"]["properties"]


def test_the_bearer_scheme_protects_every_operation(document):
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearer": []}]


def test_error_responses_are_documented_with_the_apis_error_shape(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]
    assert "validation" in error["properties"]["error"]["properties"]["code"]["enum"]
