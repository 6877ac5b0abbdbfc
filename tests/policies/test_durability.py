from policies import durability
from tests.policies import run

DB = "aws:rds/instance:Instance"

def test_protected_database_passes():
    assert run(durability.stateful_protect, DB, {"engine": "postgres"}, protect=True) == []


def test_unprotected_database_is_reported():
    assert any("protect" in m for m in run(durability.stateful_protect, DB, {"engine": "postgres"}))


def test_missing_props_still_need_protect():
    assert run(durability.stateful_protect, DB, {})


def test_stateless_types_are_ignored():
    assert run(durability.stateful_protect, "aws:ec2/vpc:Vpc", {}) == []


def test_dev_environment_is_not_checked():
    assert run(durability.stateful_protect, DB, {}, {"environment": "dev"}) == []


def test_types_knob_narrows_the_list():
    assert run(durability.stateful_protect, DB, {}, {"statefulTypes": ["aws:s3/bucket:Bucket"]}) == []


def test_unprotected_stateful_resource_message_is_whole():
    assert run(durability.stateful_protect, DB, {"engine": "postgres"}) == [
        "protect is not set: `pulumi destroy` or a replacing change would delete its data; stateful resources carry "
        "protect=True in prod"]
