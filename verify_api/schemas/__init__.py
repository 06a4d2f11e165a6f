"""Response bodies, split by purpose. They document what the endpoints send (the OpenAPI document)."""
