"""The example a JSON model shows in a service's OpenAPI document, written the same way by all."""

from __future__ import annotations

from typing import Any, Unpack

from pydantic import ConfigDict


def with_example(example: dict[str, Any], **config: Unpack[ConfigDict]) -> ConfigDict:
    """A model's config showing `example` in the docs (tests post these examples to the APIs)."""
    return ConfigDict(json_schema_extra={"examples": [example]}, **config)
