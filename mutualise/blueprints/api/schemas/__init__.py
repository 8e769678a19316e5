"""Request and response schemas of the JSON API; they also make the OpenAPI document."""
