"""components.naming.physical_name: project and stack in every explicit name, short and collision-free."""

from __future__ import annotations

import re

import pytest

from components.naming import HASH_LENGTH, physical_name


def test_name_is_project_stack_name():
    assert physical_name("db", 63, project="scaling", stack="prod") == "scaling-prod-db"


def test_two_projects_with_a_prod_stack_never_share_a_name():
    assert physical_name("db", 63, project="billing", stack="prod") != \
        physical_name("db", 63, project="search", stack="prod")


def test_characters_aws_refuses_become_single_hyphens_and_case_is_lowered():
    assert physical_name("s1_db", 63, project="Scaling", stack="Team.EU__prod") == "scaling-team-eu-prod-s1-db"


def test_a_long_name_is_truncated_with_a_hash_so_names_sharing_a_beginning_still_differ():
    a = physical_name("orders-a", 40, project="p" * 50, stack="prod")
    b = physical_name("orders-b", 40, project="p" * 50, stack="prod")
    assert len(a) == len(b) == 40 and a != b
    assert re.fullmatch(rf"p+-[0-9a-f]{{{HASH_LENGTH}}}", a)


def test_a_name_that_fits_is_never_hashed():
    name = physical_name("x" * 30, 45, project="scaling", stack="prod")
    assert name == "scaling-prod-" + "x" * 30 and len(name) == 43


def test_prefix_counts_against_the_limit():
    name = physical_name("rate-limit", 30, project="scaling" * 4, stack="prod", prefix="aws-waf-logs-")
    assert name.startswith("aws-waf-logs-scaling") and len(name) == 30


def test_must_start_with_letter():
    assert physical_name("db", 63, project="2024", stack="prod", must_start_with_letter=True) == "x-2024-prod-db"


def test_a_limit_without_room_for_the_hash_is_refused():
    with pytest.raises(ValueError, match="max_length: 15 leaves 2 character"):
        physical_name("db", 15, project="scaling", stack="prod", prefix="aws-waf-logs-")
