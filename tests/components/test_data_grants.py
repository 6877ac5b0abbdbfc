"""Grants of the data components (database shards, cache): the IAM statements a principal needs to use each
resource, by ARN, built from the resources the component declared. Streaming's are in test_streaming.py."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.cache import Cache, CacheArgs, auth_token_read_statements
from components.database import (
    Database,
    DatabaseArgs,
    client_settings,
    proxy_connect_statements,
    proxy_db_user_arn,
    validate_database_args,
)
from components.sharded_database import ShardedDatabase, ShardedDatabaseArgs
from offline.engine import FAKE_ACCOUNT, resolve
from tests.conftest import run_program

PROXY_ARN = f"arn:aws:rds:us-east-1:{FAKE_ACCOUNT}:db-proxy:prx-0123456789abcdef0"
DB = DatabaseArgs(vpc_id="vpc-1", subnet_ids=("subnet-a", "subnet-b"), app_security_group_ids=("sg-app",),
                  replica_count=1)
CACHE = CacheArgs(vpc_id="vpc-1", subnet_ids=("subnet-a", "subnet-b"), app_security_group_ids=("sg-app",))
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


# --- database: pure -----------------------------------------------------------------------------

def test_proxy_db_user_arn_names_the_proxy_resource_id_and_the_user():
    assert proxy_db_user_arn(PROXY_ARN, "app") == \
        f"arn:aws:rds-db:us-east-1:{FAKE_ACCOUNT}:dbuser:prx-0123456789abcdef0/app"
    gov = "arn:aws-us-gov:rds:us-gov-west-1:1:db-proxy:prx-abc"
    assert proxy_db_user_arn(gov, "postgres") == "arn:aws-us-gov:rds-db:us-gov-west-1:1:dbuser:prx-abc/postgres"


@pytest.mark.parametrize("bad", [
    "arn:aws:rds:us-east-1:1:db:orders",                 # an instance, not a proxy
    "arn:aws:rds:us-east-1:1:db-proxy:orders-proxy",      # a name, not the prx- id
    "arn:aws:rds-db:us-east-1:1:dbuser:prx-abc/app",      # already a dbuser ARN
    "prx-abc",
])
def test_proxy_db_user_arn_refuses_what_is_not_a_proxy_arn(bad):
    with pytest.raises(ValueError, match="is not an RDS Proxy ARN"):
        proxy_db_user_arn(bad, "app")


def test_connect_statement_is_one_action_on_exactly_the_given_proxies():
    second = PROXY_ARN.replace("prx-0123456789abcdef0", "prx-fedcba9876543210f")
    [statement] = proxy_connect_statements([PROXY_ARN, second], "app")
    assert statement["Effect"] == "Allow" and statement["Action"] == "rds-db:connect"
    assert statement["Resource"] == [proxy_db_user_arn(PROXY_ARN, "app"), proxy_db_user_arn(second, "app")]


def test_app_db_user_defaults_to_the_master_user_the_proxy_holds_and_is_checked():
    assert client_settings(DB)["user"] == "postgres"
    assert client_settings(dataclasses.replace(DB, app_db_user="feature_app"))["user"] == "feature_app"
    for bad in ("1app", "app-user", "rdsadmin"):
        with pytest.raises(ValueError, match=f"app_db_user: '{bad}' is not allowed; expected '' \\(the master user\\)"):
            validate_database_args(dataclasses.replace(DB, app_db_user=bad), "orders")


# --- database: under the engine ---------------------------------------------------------------------

def test_shard_grants_rds_db_connect_through_its_own_proxy_as_the_app_user():
    box: list[Database] = []
    ev = run_program(lambda: box.append(Database("orders", dataclasses.replace(DB, app_db_user="feature_app"))))
    proxy_arn, known, _ = resolve(box[0].proxy_arn)
    assert known and proxy_arn.split(":")[-1].startswith("prx-")
    statements, _, _ = resolve(box[0].connect_policy_statements)
    assert statements == proxy_connect_statements([proxy_arn], "feature_app")
    # The proxy itself still authenticates to the database with the master user's managed secret.
    assert [a["iamAuth"] for a in ev.one("aws:rds/proxy:Proxy", "orders-proxy").inputs["auths"]] == ["REQUIRED"]


def test_sharded_grant_names_every_shard_proxy_once_in_shard_order():
    box: list[ShardedDatabase] = []
    run_program(lambda: box.append(ShardedDatabase("users", ShardedDatabaseArgs(database=DB, shard_count=3))))
    proxy_arns = [resolve(arn)[0] for arn in box[0].proxy_arns]
    assert len(set(proxy_arns)) == 3 and all(a.split(":")[-1].startswith("prx-") for a in proxy_arns)
    [statement] = resolve(box[0].connect_policy_statements)[0]
    assert statement["Resource"] == [proxy_db_user_arn(a, "postgres") for a in proxy_arns]
    assert box[0].app_db_user == "postgres"


# --- cache ----------------------------------------------------------------------------------------

def test_auth_token_read_statements_scope_the_key_to_secrets_manager_of_the_secrets_region():
    secret = f"arn:aws:secretsmanager:eu-west-1:{FAKE_ACCOUNT}:secret:cache-token-AbCdEf"
    key = f"arn:aws:kms:eu-west-1:{FAKE_ACCOUNT}:key/k"
    read, decrypt = auth_token_read_statements(secret, key)
    assert (read["Action"], read["Resource"]) == ("secretsmanager:GetSecretValue", secret)
    assert (decrypt["Action"], decrypt["Resource"]) == ("kms:Decrypt", key)
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
    with pytest.raises(ValueError, match="is not a Secrets Manager secret ARN"):
        auth_token_read_statements("cache-token", key)


def build_cache(args: CacheArgs, stack: str = "dev"):
    box: list[Cache] = []
    ev = run_program(lambda: box.append(Cache("cache", args)), stack=stack)
    return ev, box[0]


def test_auth_token_is_stored_in_a_secret_encrypted_with_the_cache_key_from_the_generated_password():
    ev, cache = build_cache(CACHE)
    secret = ev.one(SECRET, "cache-auth-token-secret")
    key = ev.one("aws:kms/key:Key", "cache-key")
    assert key.urn in secret.property_dependencies["kmsKeyId"]
    version = ev.one(SECRET_VERSION, "cache-auth-token-value")
    assert version.parent == secret.urn
    # Derived from the generated password (never a literal) and sent to the engine as a secret.
    password = ev.one("random:index/randomPassword:RandomPassword", "cache-auth-token")
    assert password.urn in version.property_dependencies["secretString"]
    assert "4dabf18193072939515e22adb298388d" in json.dumps(version.inputs["secretString"])
    assert version.inputs["secretId"] == "cache-auth-token-secret-id"
    arn, known, _ = resolve(cache.auth_token_secret_arn)
    assert known and arn.startswith("arn:aws:secretsmanager:us-east-1:")
    statements, _, _ = resolve(cache.auth_token_read_statements)
    key_arn, _, _ = resolve(cache.kms_key_arn)
    assert statements == auth_token_read_statements(arn, key_arn)


def test_prod_protects_the_token_secret_and_no_token_means_no_secret_and_no_grant():
    prod, _ = build_cache(dataclasses.replace(CACHE, environment="prod"), stack="prod")
    assert prod.one(SECRET, "cache-auth-token-secret").protect is True
    ev, cache = build_cache(dataclasses.replace(CACHE, auth_token=False))
    assert ev.by_type(SECRET) == [] and ev.by_type(SECRET_VERSION) == []
    assert resolve(cache.auth_token_read_statements)[0] == [] and resolve(cache.auth_token_secret_arn)[0] == ""


def test_a_given_kms_key_encrypts_the_token_secret_and_is_the_one_granted():
    key = f"arn:aws:kms:us-east-1:{FAKE_ACCOUNT}:key/given"
    ev, cache = build_cache(dataclasses.replace(CACHE, kms_key_arn=key))
    assert ev.one(SECRET, "cache-auth-token-secret").inputs["kmsKeyId"] == key
    assert resolve(cache.auth_token_read_statements)[0][1]["Resource"] == key
