"""scaling_kit.waf_rate at its edges, with plain examples: fast enough for mutation runs (the hypothesis
properties in tests/components/test_rate_limit.py stay the broad net).

Boundaries: the WAF minimum limit (10) and maximum (2,000,000,000), each WAF window and one second either side
of it, and the argument checks at 1 and 0."""

from __future__ import annotations

import pytest

from scaling_kit.limits import RATE_LIMIT
from scaling_kit.waf_rate import WAF_MAX_LIMIT, WAF_MIN_LIMIT, WAF_WINDOWS, waf_rate_limit

SLOWEST, FASTEST = WAF_WINDOWS[-1], WAF_WINDOWS[0]
REJECTED = (f"cannot be expressed as a WAF rate-based rule; WAF evaluates windows of "
            f"{', '.join(map(str, WAF_WINDOWS))} s with limits from {WAF_MIN_LIMIT} to {WAF_MAX_LIMIT:,}, so the "
            f"rate must lie between {WAF_MIN_LIMIT} per {SLOWEST} s and {WAF_MAX_LIMIT:,} per {FASTEST} s")


def test_the_documented_rate():
    window = max(w for w in WAF_WINDOWS if w <= RATE_LIMIT.window_seconds)
    limit = -(-RATE_LIMIT.max_requests * window // RATE_LIMIT.window_seconds)
    assert waf_rate_limit(RATE_LIMIT.max_requests, RATE_LIMIT.window_seconds) == (limit, window)


def test_the_waf_constants():
    assert WAF_WINDOWS == (60, 120, 300, 600) and WAF_MIN_LIMIT == 10 and WAF_MAX_LIMIT == 2_000_000_000


@pytest.mark.parametrize("window", WAF_WINDOWS)
def test_each_waf_window_is_kept_with_its_limit(window):
    assert waf_rate_limit(1000, window) == (1000, window)


@pytest.mark.parametrize("window, expected_window", [
    (59, 60),     # shorter than every WAF window: the shortest one
    (61, 60), (119, 60), (121, 120), (299, 120), (301, 300), (599, 300), (601, 600), (86_400, 600)])
def test_the_longest_waf_window_not_longer_than_the_requested_one(window, expected_window):
    requests = 100 * window  # fast enough that every window is usable: only the preference decides
    assert waf_rate_limit(requests, window) == (100 * expected_window, expected_window)


@pytest.mark.parametrize("requests, window, expected", [
    (100, 900, (67, 600)),      # 66.67 rounds up
    (100, 3600, (17, 600)),     # 16.67 rounds up
    (61, 61, (60, 60)),         # exact: no rounding
    (62, 61, (61, 60)),         # 60.98 rounds up
])
def test_limits_are_rounded_up(requests, window, expected):
    assert waf_rate_limit(requests, window) == expected


def test_the_minimum_limit_at_each_window():
    assert waf_rate_limit(WAF_MIN_LIMIT, SLOWEST) == (WAF_MIN_LIMIT, SLOWEST)     # exactly 10 per 600 s
    assert waf_rate_limit(WAF_MIN_LIMIT + 1, SLOWEST) == (WAF_MIN_LIMIT + 1, SLOWEST)
    # 5 per 60 s is 5 at 60 s (below 10): the next longer window where it reaches 10 carries it exactly.
    assert waf_rate_limit(WAF_MIN_LIMIT // 2, 60) == (WAF_MIN_LIMIT, 120)
    # 9 per 60 s reaches 18 at 120 s: the shortest longer window that works, not the longest.
    assert waf_rate_limit(9, 60) == (18, 120)


def test_a_rate_that_rounds_up_to_the_minimum_is_not_accepted_at_that_window():
    # 11 per 700 s is 9.43 at 600 s: rounding up to 10 would make the rule stricter than asked; no shorter
    # window helps either, so it is refused.
    with pytest.raises(ValueError) as info:
        waf_rate_limit(11, 700)
    assert str(info.value) == f"requests/window_seconds: 11 per 700 s {REJECTED}"


def test_just_below_the_minimum_is_refused_with_the_whole_message():
    with pytest.raises(ValueError) as info:
        waf_rate_limit(WAF_MIN_LIMIT - 1, SLOWEST)
    assert str(info.value) == f"requests/window_seconds: {WAF_MIN_LIMIT - 1} per {SLOWEST} s {REJECTED}"


def test_the_maximum_limit():
    assert waf_rate_limit(WAF_MAX_LIMIT, FASTEST) == (WAF_MAX_LIMIT, FASTEST)
    assert waf_rate_limit(WAF_MAX_LIMIT, 120) == (WAF_MAX_LIMIT, 120)
    # Over the requested window the limit would exceed the maximum: the shorter window carries it.
    assert waf_rate_limit(WAF_MAX_LIMIT * 2, 120) == (WAF_MAX_LIMIT, 60)
    with pytest.raises(ValueError) as info:
        waf_rate_limit(WAF_MAX_LIMIT + 1, FASTEST)
    assert str(info.value) == f"requests/window_seconds: {WAF_MAX_LIMIT + 1} per {FASTEST} s {REJECTED}"


@pytest.mark.parametrize("requests, window, name, value", [
    (0, 900, "requests", "0"), (-1, 900, "requests", "-1"), (True, 900, "requests", "True"),
    (1.0, 900, "requests", "1.0"), ("100", 900, "requests", "'100'"),
    (100, 0, "window_seconds", "0"), (100, False, "window_seconds", "False"), (100, 60.0, "window_seconds", "60.0"),
])
def test_arguments_must_be_positive_integers(requests, window, name, value):
    with pytest.raises(ValueError) as info:
        waf_rate_limit(requests, window)
    assert str(info.value) == f"{name}: {value} is not allowed; expected a positive integer"


def test_one_is_a_positive_integer():
    assert waf_rate_limit(WAF_MIN_LIMIT, 1) == (WAF_MIN_LIMIT * FASTEST, FASTEST)
    assert waf_rate_limit(1, 60) == (WAF_MIN_LIMIT, SLOWEST)
