"""The design's rate limit as a WAF rate-based rule: pure arithmetic, shared by the RateLimit component,
the policy pack and the live audit so none of them can disagree about it.

express-rate-limit counts in a fixed window of any length; a WAF rate-based rule looks back over a
sliding window of only 60, 120, 300 or 600 seconds with a limit of at least 10.
"""

from __future__ import annotations

WAF_WINDOWS = (60, 120, 300, 600)
"""Evaluation windows a WAF rate-based rule accepts, in seconds."""
WAF_MIN_LIMIT = 10
WAF_MAX_LIMIT = 2_000_000_000

def waf_rate_limit(requests: int, window_seconds: int) -> tuple[int, int]:
    """``(limit, evaluation_window_sec)`` of a WAF rate-based rule for ``requests`` per ``window_seconds``.

    Takes the longest WAF window not longer than the requested one (so the allowed burst stays as close
    as possible), else a longer one when the limit would fall below WAF's minimum of 10, and scales the
    limit to it, rounded up: ``limit / window >= requests / window_seconds`` and the rule allows less than
    one request per window more than documented. Raises ``ValueError`` naming both values when no WAF
    window can carry the rate (below 10 per 600 s, or above 2,000,000,000 per 60 s)."""
    for name, value in (("requests", requests), ("window_seconds", window_seconds)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: {value!r} is not allowed; expected a positive integer")
    preferred = max((w for w in WAF_WINDOWS if w <= window_seconds), default=WAF_WINDOWS[0])
    candidates = [preferred] + [w for w in WAF_WINDOWS if w > preferred] + \
                 [w for w in reversed(WAF_WINDOWS) if w < preferred]
    for window in candidates:
        scaled = requests * window  # the exact limit is scaled / window_seconds; stay in integers
        limit = -(-scaled // window_seconds)
        if scaled >= WAF_MIN_LIMIT * window_seconds and limit <= WAF_MAX_LIMIT:
            return limit, window
    raise ValueError(
        f"requests/window_seconds: {requests} per {window_seconds} s cannot be expressed as a WAF rate-based "
        f"rule; WAF evaluates windows of {', '.join(map(str, WAF_WINDOWS))} s with limits from {WAF_MIN_LIMIT} "
        f"to {WAF_MAX_LIMIT:,}, so the rate must lie between {WAF_MIN_LIMIT} per {WAF_WINDOWS[-1]} s and "
        f"{WAF_MAX_LIMIT:,} per {WAF_WINDOWS[0]} s")
