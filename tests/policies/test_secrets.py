from pulumi.runtime import rpc

from policies import secrets
from tests.policies import UNKNOWN, link, resource, run_stack

DB, RG = "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup"
PASSWORD = "random:index/randomPassword:RandomPassword"


def test_generated_password_passes():
    generator = resource(PASSWORD, "pw", {"length": 32.0})
    group = link(resource(RG, "rg", {"authToken": rpc.wrap_rpc_secret(UNKNOWN)}), "authToken", generator)
    assert run_stack(secrets.no_plaintext_secrets, [generator, group]) == []


def test_literal_password_is_reported_even_when_marked_secret():
    db = resource(DB, "db", {"password": rpc.wrap_rpc_secret("hunter2hunter2"), "username": "app"})
    found = run_stack(secrets.no_plaintext_secrets, [db])
    assert found == [(found[0][0], db.urn)] and "'password'" in found[0][0]


def test_managed_master_password_has_no_password_input():
    db = resource(DB, "db", {"manageMasterUserPassword": True, "username": "app"})
    assert run_stack(secrets.no_plaintext_secrets, [db]) == []


def test_unknown_value_without_dependency_is_computed_not_literal():
    assert run_stack(secrets.no_plaintext_secrets, [resource(DB, "db", {"password": UNKNOWN})]) == []


def test_secret_looking_names_on_other_types_and_kubernetes_secrets():
    other = resource("aws:mq/broker:Broker", "mq", {"adminPassword": "plain"})
    k8s = resource("kubernetes:core/v1:Secret", "s", {"stringData": {"DB_PASSWORD": "plain"}})
    urns = [urn for _, urn in run_stack(secrets.no_plaintext_secrets, [other, k8s])]
    assert urns == [other.urn, k8s.urn]


def test_secure_string_parameter_value():
    param = resource("aws:ssm/parameter:Parameter", "p", {"type": "SecureString", "value": "plain"})
    plain = resource("aws:ssm/parameter:Parameter", "q", {"type": "String", "value": "not a secret"})
    assert [urn for _, urn in run_stack(secrets.no_plaintext_secrets, [param, plain])] == [param.urn]
