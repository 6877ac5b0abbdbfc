"""VPC: the interface endpoints the pods reach AWS through, the S3 gateway endpoint, the flow log."""

import pytest

from audit.findings import ERROR, WARNING
from components.network import DEFAULT_INTERFACE_ENDPOINTS

from .conftest import audit, only

SERVICES = ["vpc"]


@pytest.fixture(scope="module")
def conforming(account):
    account.build_network("vpc-ok")
    return audit(account, "vpc-ok", SERVICES)


def test_conforming_vpc_passes_every_check(conforming):
    assert conforming.findings == []
    # count, one per interface endpoint, the S3 gateway, the flow log
    assert conforming.checks == 1 + len(DEFAULT_INTERFACE_ENDPOINTS) + 1 + 1


def test_a_missing_interface_endpoint_is_named(account):
    vpc = account.build_network("vpc-no-sts", services=[s for s in DEFAULT_INTERFACE_ENDPOINTS if s != "sts"])
    finding = only(audit(account, "vpc-no-sts", SERVICES), "interface endpoint sts")
    assert (finding.resource, finding.expected, finding.actual, finding.severity) == (
        f"vpc/{vpc}", "available, private DNS on", "none", ERROR)


def test_private_dns_off_is_reported_for_every_endpoint(account):
    account.build_network("vpc-no-dns", private_dns=False)
    report = audit(account, "vpc-no-dns", SERVICES)
    assert sorted(f.check for f in report.errors) == sorted(f"interface endpoint {s}" for s in DEFAULT_INTERFACE_ENDPOINTS)
    assert {f.actual for f in report.errors} == {"available, private DNS off"}


def test_no_s3_gateway_and_no_flow_log_are_reported(account):
    account.build_network("vpc-bare", services=(), s3=False, flow_log=False)
    report = audit(account, "vpc-bare", SERVICES, **{"scaling:networkInterfaceEndpoints": "[]",
                                                     "scaling:appInternetHttps": "true"})
    assert {(f.check, f.expected, f.actual) for f in report.findings} == {
        ("S3 gateway endpoint", "Gateway", "none"), ("flow log", "ALL traffic, active", "none")}


def test_a_second_tagged_vpc_is_a_surplus_warning(account):
    account.build_network("vpc-two")
    account.build_network("vpc-two")
    report = audit(account, "vpc-two", SERVICES)
    assert [f.severity for f in report.findings] == [WARNING]
    assert report.findings[0].check == "declared by the stack"
