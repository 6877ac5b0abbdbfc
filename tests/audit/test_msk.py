"""MSK cluster: encryption, authentication, broker count; an unreachable endpoint."""

import pytest
from botocore.exceptions import EndpointConnectionError

from audit.findings import ERROR

from .conftest import audit, make_clients, only

SERVICES = ["msk"]


@pytest.fixture(scope="module")
def conforming(account):
    account.build_streaming("msk-ok")
    return audit(account, "msk-ok", SERVICES)


def test_conforming_cluster_passes_every_check(conforming):
    assert conforming.findings == []
    # count, type, client-broker TLS, in-cluster TLS, at rest, IAM, unauthenticated, brokers
    assert conforming.checks == 8


def test_unauthenticated_access_is_reported(account):
    account.build_streaming("msk-open", unauthenticated=True)
    finding = only(audit(account, "msk-open", SERVICES), "unauthenticated access")
    assert (finding.resource, finding.expected, finding.actual, finding.severity) == (
        "msk/msk-open-msk", False, True, ERROR)


def test_plaintext_without_iam_and_wrong_broker_count(account):
    account.build_streaming("msk-plain", client_broker="TLS_PLAINTEXT", iam=False, brokers=6)
    report = audit(account, "msk-plain", SERVICES)
    assert {(f.check, f.expected, f.actual) for f in report.findings} == {
        ("encryption in transit (client-broker)", "TLS", "TLS_PLAINTEXT"),
        ("IAM authentication", True, False),
        ("broker count", 3, 6)}


def test_missing_cluster(account):
    finding = only(audit(account, "msk-none", SERVICES), "MSK clusters count")
    assert (finding.expected, finding.actual) == (1, 0)


def test_unreachable_endpoint_is_reported_once_per_check_without_retrying_again(account):
    account.build_streaming("msk-down")
    clients = make_clients(max_attempts=1)
    calls = []

    def unreachable(request, **_):
        calls.append(request.url)
        raise EndpointConnectionError(endpoint_url=request.url)

    # Only the kafka client is cut off; the tagging API call that comes first still works.
    clients("kafka").meta.events.register_first("before-send.kafka", unreachable)
    report = audit(account, "msk-down", SERVICES, clients=clients)
    finding = only(report, "MSK clusters")
    assert finding.severity == ERROR
    assert finding.actual.startswith("unreachable: EndpointConnectionError: Could not connect to the endpoint URL")
    assert clients.unreachable.keys() == {"kafka"}

    # A second run with the same clients does not wait on the dead endpoint again.
    again = audit(account, "msk-down", SERVICES, clients=clients)
    assert only(again, "MSK clusters").actual.startswith("skipped: kafka endpoint unreachable")
    assert len(calls) == 1

