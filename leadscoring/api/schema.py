"""drf-spectacular hooks: what the OpenAPI schema cannot learn from the views by itself."""

from __future__ import annotations

import inspect
from typing import Any

from offers.serializers import RejectUnknownFieldsMixin

UNKNOWN_FIELDS_REFUSED = "Unknown fields are refused (400)."


def document_input_rules(result: dict, generator: Any, **kwargs: Any) -> dict:
    """Postprocessing hook: state two rules every endpoint applies to its input.

    - An optional query parameter sent empty (`?q=`) counts as absent: DRF skips a blank
      optional field, and the pagination does the same. Marked `allowEmptyValue`.
    - Request bodies validated with RejectUnknownFieldsMixin refuse unknown fields: marked
      `additionalProperties: false` (and described so, instead of the mixin's docstring).
    """
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    schemas = result.get("components", {}).get("schemas", {})
    for component in generator.registry._components.values():
        schema = schemas.get(component.name)
        if schema is None or not isinstance(component.object, RejectUnknownFieldsMixin):
            continue
        # Inherited from the mixin, a docstring about the code rather than the API.
        if schema.get("description") == inspect.cleandoc(RejectUnknownFieldsMixin.__doc__ or ""):
            del schema["description"]
        # With COMPONENT_SPLIT_REQUEST, request bodies are the components named "...Request".
        if component.name.endswith("Request"):
            schema["additionalProperties"] = False
            schema["description"] = " ".join(
                filter(None, [schema.get("description"), UNKNOWN_FIELDS_REFUSED])
            )
    return result
