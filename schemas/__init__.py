"""The event contract: Avro schemas, pydantic models and the codec.

- ``schemas.models``: pydantic models of every record (validation at the edge).
- ``schemas.serde``: encode/decode dicts (hot path) or models, single-object or Confluent frames.
- ``schemas.exceptions``: ``DecodeError``, ``EncodeError``, ``validation_problems``.
- ``schemas.catalog`` / ``schemas.compat`` / ``schemas.evolution``: schema files, fingerprints,
  released versions and the compatibility rules behind ``journeys schemas check``.

Nothing is imported here but ``journeys`` (a few lines: its guard keeps a stale compiled
``schemas.fastcodec`` from loading), so ``import schemas.models`` does not pull in fastavro.
"""

import journeys  # noqa: F401

__all__: list[str] = []
