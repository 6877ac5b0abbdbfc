"""Runtime helpers for the applications that use the stack (pure Python, no Pulumi import)."""

from .sharding import SHARD_KEY_HEX_CHARS, shard_for

__all__ = ["SHARD_KEY_HEX_CHARS", "shard_for"]
