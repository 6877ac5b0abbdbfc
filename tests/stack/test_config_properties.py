"""Property-based: any configuration either builds or fails with ConfigurationError, never a crash."""

from __future__ import annotations

import dataclasses
import typing

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stack import config
from stack.config import ConfigurationError, load_settings
from tests.conftest import evaluate_stack

ALL_KEYS = sorted(config.known_keys())
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=12),
                 st.lists(st.integers(-5, 1200), max_size=6), st.lists(st.text(max_size=8), max_size=6),
                 st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


def _plausible(section: type, f: dataclasses.Field) -> st.SearchStrategy:
    """Mostly valid values around each field's bounds, so many draws get past validation."""
    kind = typing.get_type_hints(section)[f.name]
    meta = f.metadata
    if meta["choices"]:
        return st.sampled_from(meta["choices"])
    if kind is bool:
        return st.booleans()
    if kind is int:
        lo = meta["minimum"] if meta["minimum"] is not None else 0
        hi = meta["maximum"] if meta["maximum"] is not None else lo + 100
        return st.integers(lo - 1, min(hi, lo + 40) + 1)
    return st.just(meta["default"])


PLAUSIBLE = {f"scaling:{config.config_key(cls, f.name)}": _plausible(cls, f)
             for cls in config.SECTIONS.values() for f in dataclasses.fields(cls)}


@st.composite
def configurations(draw) -> dict:
    raw = {"scaling:environment": draw(st.sampled_from(["dev", "prod", "qa"]))}
    for key in draw(st.lists(st.sampled_from(sorted(PLAUSIBLE)), max_size=8, unique=True)):
        raw[key] = draw(PLAUSIBLE[key])
    for key in draw(st.lists(st.sampled_from(ALL_KEYS + ["scaling:typo"]), max_size=3, unique=True)):
        raw[key] = draw(JUNK)
    return {k: v for k, v in raw.items() if v is not None}


@given(configurations())
@settings(max_examples=400, deadline=None)
def test_loading_never_crashes(raw):
    try:
        load_settings(raw, "prop")
    except ConfigurationError as exc:
        assert exc.problems and all(p.startswith("scaling:") for p in exc.problems)


def whole_program_builds_or_reports_a_configuration_error(examples: int):
    @given(configurations())
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test(raw):
        overrides = {key: None for key in ALL_KEYS}  # start from the project defaults only
        overrides.update(raw)
        evaluation = evaluate_stack("prod", overrides)  # any other exception fails the test
        if evaluation.error is not None:
            assert isinstance(evaluation.error, ConfigurationError)
            assert evaluation.resources == []
        else:
            assert evaluation.resources
    return test


# 25 whole prod evaluations, in two tests of their own so two test workers share them (as one test they were
# the last thing the suite waited for); each explores its own examples.
test_the_whole_program_builds_or_reports_a_configuration_error = whole_program_builds_or_reports_a_configuration_error(13)
test_the_whole_program_builds_or_reports_a_configuration_error_too = whole_program_builds_or_reports_a_configuration_error(12)
