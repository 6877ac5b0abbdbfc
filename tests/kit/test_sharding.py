"""The shard routing helper: the design's TypeScript semantics, stability, range and spread."""

from __future__ import annotations

import math
import random
import re
import subprocess
import sys
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_kit.limits import DATABASE
from scaling_kit.sharding import SHARD_KEY_HEX_CHARS, shard_for

HEX = "0123456789abcdefABCDEF"
hex_ids = st.text(alphabet=HEX, min_size=SHARD_KEY_HEX_CHARS, max_size=40)
shard_counts = st.integers(min_value=1, max_value=256)
_JS_WHITESPACE = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
                 "\u2028\u2029\u202f\u205f\u3000\ufeff"


def js_parse_int_hex(text: str) -> float:
    """ECMAScript ``parseInt(text, 16)`` (spec 19.2.5): trim, sign, optional 0x, longest hex prefix."""
    s = text.lstrip(_JS_WHITESPACE)
    sign = -1 if s.startswith("-") else 1
    if s[:1] in "+-" and s:
        s = s[1:]
    if s[:2] in ("0x", "0X"):
        s = s[2:]
    digits = re.match(r"[0-9a-fA-F]*", s).group(0)
    return math.nan if not digits else sign * int(digits, 16)


def design_shard(user_id: str, shard_count: int) -> float:
    """The design's ``parseInt(userId.substring(0, 8), 16) % this.shardCount`` (JS remainder keeps the sign)."""
    value = js_parse_int_hex(user_id[:8])
    return value if math.isnan(value) else math.fmod(value, shard_count)


@given(hex_ids, shard_counts)
def test_hex_ids_route_exactly_like_the_typescript_design(user_id, shard_count):
    assert shard_for(user_id, shard_count) == design_shard(user_id, shard_count)


@given(hex_ids, shard_counts)
def test_shard_is_in_range_and_stable(user_id, shard_count):
    shard = shard_for(user_id, shard_count)
    assert 0 <= shard < shard_count
    assert shard_for(user_id, shard_count) == shard  # no hidden state, no hash seed


@given(hex_ids, shard_counts)
def test_upper_and_lower_case_hex_route_alike(user_id, shard_count):
    assert shard_for(user_id.upper(), shard_count) == shard_for(user_id.lower(), shard_count)


@given(hex_ids, st.text(max_size=20), shard_counts)
def test_only_the_first_eight_characters_matter(user_id, tail, shard_count):
    assert shard_for(user_id[:8] + tail, shard_count) == shard_for(user_id, shard_count)


@given(st.text(max_size=12), shard_counts)
def test_ids_the_design_would_half_read_are_rejected_not_misrouted(user_id, shard_count):
    """Whatever ``shard_for`` accepts routes like the design; whatever it rejects, ``parseInt`` would not
    have read as eight hex digits (NaN, a sign, a 0x prefix, whitespace, or stopping early)."""
    try:
        shard = shard_for(user_id, shard_count)
    except ValueError as error:
        assert str(error).startswith(f"user_id: {user_id!r} cannot be routed")
        assert not re.fullmatch(r"[0-9a-fA-F]{8}", user_id[:8])
    else:
        assert shard == design_shard(user_id, shard_count)


@pytest.mark.parametrize("user_id", ["", "abc", "1234567", "12zz5678", "-1234567", "+1234567", "0x123456",
                                     " 1234567", "1_234567", "１２３４５６７８", "g0000000"])
def test_unroutable_ids_raise_a_clear_error(user_id):
    with pytest.raises(ValueError, match=r"user_id: .* cannot be routed; expected its first 8 characters"):
        shard_for(user_id, 16)


@pytest.mark.parametrize("shard_count", [0, -1, True, 1.5, "16"])
def test_shard_count_must_be_a_positive_integer(shard_count):
    with pytest.raises(ValueError, match=r"shard_count: .* expected a positive integer"):
        shard_for("deadbeef", shard_count)


def test_non_string_id_is_rejected():
    with pytest.raises(ValueError, match="user_id: 1234 is not a string"):
        shard_for(1234, 16)  # type: ignore[arg-type]


def test_known_values_from_the_design_formula():
    assert shard_for("00000000-0000-4000-8000-000000000000", 16) == 0
    assert shard_for("ffffffff", 16) == 15                       # 4294967295 % 16
    assert shard_for("DEADBEEF-cafe", 16) == 0xDEADBEEF % 16 == 15
    assert shard_for("0000000f", 16) == 15 and shard_for("00000010", 16) == 0


# Chi-square critical values for 15 degrees of freedom (16 shards): p = 0.001 and p = 8e-7.
CHI2_15_P001 = 37.697
CHI2_15_P1E6 = 57.0


def chi_square(ids, shard_count):
    counts = [0] * shard_count
    for user_id in ids:
        counts[shard_for(user_id, shard_count)] += 1
    expected = len(ids) / shard_count
    return sum((c - expected) ** 2 / expected for c in counts)


def test_uuids_spread_evenly_over_the_design_shards():
    rng = random.Random(20240601)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(32_000)]
    assert chi_square(ids, DATABASE.shard_count) < CHI2_15_P001


@settings(max_examples=20, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=2**64))
def test_random_hex_ids_spread_evenly(seed):
    rng = random.Random(seed)
    ids = [f"{rng.getrandbits(32):08x}{rng.getrandbits(32):08X}" for _ in range(4_000)]
    assert chi_square(ids, DATABASE.shard_count) < CHI2_15_P1E6


def test_a_skewed_key_is_detected_by_the_spread_check():
    # Guard for the check itself: ids whose key is always a multiple of 16 must fail it.
    ids = [f"{i * 16:08x}" for i in range(4_000)]
    assert chi_square(ids, DATABASE.shard_count) > CHI2_15_P1E6


def test_runtime_package_imports_without_pulumi():
    code = ("import sys, scaling_kit.sharding, scaling_kit.sharding; "
            "assert not any(m == 'pulumi' or m.startswith(('pulumi.', 'pulumi_')) for m in sys.modules), "
            "sorted(m for m in sys.modules if 'pulumi' in m)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unroutable_id_message_in_full():
    with pytest.raises(ValueError) as info:
        shard_for("12zz5678-aaaa", 16)
    assert str(info.value) == ("user_id: '12zz5678-aaaa' cannot be routed; expected its first 8 characters to be "
                               "hexadecimal digits (0-9, a-f, A-F), such as a UUID")
