"""Route a user id to its PostgreSQL shard exactly as the design's ``ShardingStrategy`` does.

The design (TypeScript)::

    getShardKey(userId: string): number {
      return parseInt(userId.substring(0, 8), 16) % this.shardCount;
    }

For every id whose first eight characters are hexadecimal digits (any case), ``shard_for`` returns the
same shard as that code. Ids ``parseInt`` would only half-read are rejected with ``ValueError`` instead
of being routed somewhere: a shorter id, a non-hex character in the first eight (``parseInt`` stops
there, so ``"12zz..."`` and ``"12......"`` would silently share a shard), a sign (``"-1234567"`` gives a
negative shard in JavaScript), a ``0x`` prefix or leading whitespace (both skipped by ``parseInt``).
Pure standard library (with ``limits.py`` beside it), so applications can vendor it without Pulumi.
"""

from __future__ import annotations

import string

from .limits import DATABASE

SHARD_KEY_HEX_CHARS = DATABASE.shard_key_hex_chars
"""How many leading characters of the user id form the shard key (the design's ``substring(0, 8)``)."""

_HEX_DIGITS = frozenset(string.hexdigits)


def shard_for(user_id: str, shard_count: int) -> int:
    """The shard (``0 <= shard < shard_count``) of ``user_id``: ``int(user_id[:8], 16) % shard_count``.

    Raises ``ValueError`` naming the argument and the value when the id cannot be routed (see the module
    docstring) or ``shard_count`` is not a positive integer. Stable: the answer depends only on the first
    eight characters and the shard count, never on the process, the platform or the hash seed."""
    if isinstance(shard_count, bool) or not isinstance(shard_count, int) or shard_count < 1:
        raise ValueError(f"shard_count: {shard_count!r} is not allowed; expected a positive integer")
    if not isinstance(user_id, str):
        raise ValueError(f"user_id: {user_id!r} is not a string; expected an id starting with "
                         f"{SHARD_KEY_HEX_CHARS} hexadecimal characters, such as a UUID")
    key = user_id[:SHARD_KEY_HEX_CHARS]
    if len(key) < SHARD_KEY_HEX_CHARS or not _HEX_DIGITS.issuperset(key):
        raise ValueError(f"user_id: {user_id!r} cannot be routed; expected its first {SHARD_KEY_HEX_CHARS} "
                         "characters to be hexadecimal digits (0-9, a-f, A-F), such as a UUID")
    return int(key, 16) % shard_count
