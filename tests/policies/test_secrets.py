import pytest
from pulumi.runtime import rpc
from pulumi_policy import StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policies import secrets
from tests.policies import UNKNOWN, link, resource, run_stack

DB, RG = "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup"
PASSWORD = "random:index/randomPassword:RandomPassword"
SECRET_VERSION, PARAMETER = "aws:secretsmanager/secretVersion:SecretVersion", "aws:ssm/parameter:Parameter"


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


def test_the_message_names_the_resource_and_the_input():
    db = resource(DB, "db", {"password": "hunter2hunter2"})
    assert run_stack(secrets.no_plaintext_secrets, [db]) == [
        ("aws:rds/instance:Instance db: input 'password' is a literal value (typed into the program or read from plain "
         "config), so it is stored and shown in plain text", db.urn)]


@pytest.mark.parametrize("value", ["", {}, [], True, False])
def test_empty_and_boolean_values_are_not_secrets(value):
    assert run_stack(secrets.no_plaintext_secrets, [resource(DB, "db", {"password": value})]) == []


def test_each_input_of_a_resource_is_judged_after_a_derived_one():
    generator = resource(PASSWORD, "pw", {"length": 32.0})
    version = link(resource(SECRET_VERSION, "v", {"secretBinary": UNKNOWN, "secretString": "plain"}), "secretBinary",
                   generator)
    assert [message for message, _ in run_stack(secrets.no_plaintext_secrets, [generator, version])] == [
        "aws:secretsmanager/secretVersion:SecretVersion v: input 'secretString' is a literal value (typed into the "
        "program or read from plain config), so it is stored and shown in plain text"]


def test_each_input_of_a_resource_is_judged_after_an_empty_or_computed_one():
    version = resource(SECRET_VERSION, "v", {"secretBinary": "", "secretString": "plain", "secretStringWo": UNKNOWN})
    other = resource(SECRET_VERSION, "w", {"secretBinary": UNKNOWN, "secretString": "plain"})
    assert [urn for _, urn in run_stack(secrets.no_plaintext_secrets, [version, other])] == [version.urn, other.urn]


def test_every_secret_input_is_named_in_order():
    version = resource(SECRET_VERSION, "v", {"secretString": "a", "secretBinary": "b", "secretStringWo": "c"})
    assert [message.split("'")[1] for message, _ in run_stack(secrets.no_plaintext_secrets, [version])] == [
        "secretBinary", "secretString", "secretStringWo"]


def test_a_dependency_of_another_input_does_not_excuse_the_secret():
    generator = resource(PASSWORD, "pw", {"length": 32.0})
    db = link(resource(DB, "db", {"password": "plain", "username": "app"}), "username", generator)
    assert [urn for _, urn in run_stack(secrets.no_plaintext_secrets, [generator, db])] == [db.urn]


@pytest.mark.parametrize("key", ["noPasswordRequired", "passwordWoVersion", "getPasswordData", "username", "value"])
def test_inputs_that_are_not_secrets(key):
    assert run_stack(secrets.no_plaintext_secrets, [resource("aws:mq/broker:Broker", "mq", {key: "plain"})]) == []


@pytest.mark.parametrize("key", ["adminPassword", "apiKey", "clientSecret", "privateKey", "passwordWo", "AuthToken"])
def test_secret_looking_names_are_secrets(key):
    broker = resource("aws:mq/broker:Broker", "mq", {key: "plain"})
    assert run_stack(secrets.no_plaintext_secrets, [broker]) == [
        (f"aws:mq/broker:Broker mq: input {key!r} is a literal value (typed into the program or read from plain "
         "config), so it is stored and shown in plain text", broker.urn)]


def test_secure_string_value_write_only_and_other_types():
    param = resource(PARAMETER, "p", {"type": "SecureString", "valueWo": "plain"})
    not_ssm = resource("aws:mq/broker:Broker", "b", {"type": "SecureString", "value": "plain"})
    assert [urn for _, urn in run_stack(secrets.no_plaintext_secrets, [param, not_ssm])] == [param.urn]
    assert secrets.secret_inputs(PARAMETER, {"type": "SecureString", "value": "x", "valueWo": "y"}) == [
        "value", "valueWo"]
    assert secrets.secret_inputs(PARAMETER, {"type": "SecureString"}) == []


def test_an_unknown_type_is_raised_after_the_other_resources_are_judged():
    unknown_type = resource(PARAMETER, "p", {"type": UNKNOWN, "value": "plain"})
    db = resource(DB, "db", {"password": "plain"})
    found = []
    with pytest.raises(UnknownValueError):
        secrets.no_plaintext_secrets.validate(StackValidationArgs([unknown_type, db], {}),
                                              lambda message, urn=None: found.append(urn))
    assert found == [db.urn]


def test_without_unknowns_nothing_is_raised():
    assert run_stack(secrets.no_plaintext_secrets, [resource(PARAMETER, "p", {"type": "String", "value": "x"})]) == []


def test_an_empty_password_list_holds_no_secret_but_a_literal_list_does():
    """The list arrives as the analyzer's list proxy, which is not == [] even when empty (it was reported)."""
    empty = resource("aws:elasticache/user:User", "u", {"passwords": [], "noPasswordRequired": True})
    literal = resource("aws:elasticache/user:User", "v", {"passwords": ["plain-password-1"]})
    assert [urn for _, urn in run_stack(secrets.no_plaintext_secrets, [empty, literal])] == [literal.urn]


def test_a_known_value_derived_from_a_generator_passes():
    """During an update the generated value is known: the dependency, not the unknown, is what excuses it."""
    generator = resource(PASSWORD, "pw", {"length": 32.0})
    db = link(resource(DB, "db", {"password": "generated-Xy7#pQ", "username": "app"}), "password", generator)
    literal = resource(DB, "literal", {"password": "hunter2hunter2"})
    literal.property_dependencies = None
    assert [urn for _, urn in run_stack(secrets.no_plaintext_secrets, [generator, db, literal])] == [literal.urn]


def test_a_secure_string_adds_its_value_to_the_inputs_found_by_name():
    assert secrets.secret_inputs(PARAMETER, {"type": "SecureString", "value": "x", "apiKey": "y"}) == [
        "apiKey", "value"]
