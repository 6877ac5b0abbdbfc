"""DnsValidatedCertificate and the TLS checks: the validation path certificate -> record -> validation ->
listener -> alias, and the errors for bad or missing TLS settings."""

from __future__ import annotations

import pytest

from components.certificate import (
    DnsValidatedCertificateArgs,
    certificate_arn_problem,
    domain_name_problem,
    hosted_zone_id_problem,
    validate_dns_validated_certificate_args,
)
from components.load_balancer import LoadBalancer, LoadBalancerArgs, validate_load_balancer_args
from components.validation import ArgumentError, ArgumentTypeError
from offline.engine import resolve
from scaling_kit.stackfiles import read_stack_config
from stack.config import ConfigurationError
from stack.preflight import load_checked_settings
from tests.conftest import ROOT, operator_values, run_program

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
ZONE = "Z0123456789ABCDEFGHIJ"


@pytest.mark.parametrize("arn", [ARN, ARN.replace("arn:aws:", "arn:aws-us-gov:").replace("us-east-1", "us-gov-west-1"),
                                 ARN.replace("arn:aws:", "arn:aws-cn:").replace("us-east-1", "cn-north-1")])
def test_acm_arns_of_every_partition_are_accepted(arn):
    assert certificate_arn_problem(arn) is None


@pytest.mark.parametrize("arn", ["my-cert", "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                                 "arn:aws:iam::123456789012:server-certificate/x", ARN.replace("123456789012", "1234")])
def test_anything_but_an_acm_certificate_arn_is_refused(arn):
    assert "expected an ACM certificate ARN" in certificate_arn_problem(arn)


def test_a_certificate_of_another_region_is_refused_naming_both_regions():
    reason = certificate_arn_problem(ARN, "eu-west-1")
    assert "us-east-1" in reason and "eu-west-1" in reason
    assert certificate_arn_problem(ARN, "us-east-1") is None


@pytest.mark.parametrize("name,ok", [("api.example.com", True), ("*.example.com", True), ("example", False),
                                     ("API.example.com", False), ("https://api.example.com", False),
                                     ("-a.example.com", False)])
def test_domain_names(name, ok):
    assert (domain_name_problem(name) is None) is ok


def test_hosted_zone_ids():
    assert hosted_zone_id_problem(ZONE) is None
    assert "hosted zone ID" in hosted_zone_id_problem("example.com")
    with pytest.raises(ArgumentError, match="^key_algorithm: 'DSA' is not allowed"):
        validate_dns_validated_certificate_args(DnsValidatedCertificateArgs("api.example.com", ZONE, key_algorithm="DSA"))


def test_the_certificate_checks_environment_and_types_first():
    with pytest.raises(ArgumentError, match="^environment: 'staging' is not allowed"):
        validate_dns_validated_certificate_args(DnsValidatedCertificateArgs("api.example.com", ZONE,
                                                                            environment="staging"))
    with pytest.raises(ArgumentTypeError, match="^hosted_zone_id: None is None; expected a string$"):
        validate_dns_validated_certificate_args(DnsValidatedCertificateArgs("api.example.com", None))  # type: ignore[arg-type]


def lb_args(**changes) -> LoadBalancerArgs:
    return LoadBalancerArgs(**{"vpc_id": "vpc-1", "subnet_ids": ["subnet-a", "subnet-b"], **changes})


@pytest.mark.parametrize("changes,message", [
    ({"certificate_arn": ARN, "domain_name": "api.example.com", "hosted_zone_id": ZONE}, "both given; expected one"),
    ({"domain_name": "api.example.com"}, "expected both"),
    ({"hosted_zone_id": ZONE}, "expected both"),
])
def test_load_balancer_refuses_inconsistent_tls_arguments(changes, message):
    with pytest.raises(ValueError, match=message):
        validate_load_balancer_args(lb_args(**changes))


def test_a_requested_certificate_is_validated_in_the_zone_before_the_listener_uses_it():
    holder = {}

    def program():
        holder["lb"] = LoadBalancer("edge", lb_args(domain_name="api.example.com", hosted_zone_id=ZONE))

    ev = run_program(program)
    cert = ev.one("aws:acm/certificate:Certificate", "edge-certificate-cert")
    assert cert.inputs["domainName"] == "api.example.com" and cert.inputs["validationMethod"] == "DNS"
    record = ev.one("aws:route53/record:Record", "edge-certificate-validation")
    assert record.inputs["zoneId"] == ZONE and record.inputs["type"] == "CNAME"
    assert record.inputs["name"] == "_c0ffee.api.example.com." and record.inputs["allowOverwrite"] is True
    validation = ev.one("aws:acm/certificateValidation:CertificateValidation", "edge-certificate-validated")
    assert cert.urn in validation.property_dependencies["certificateArn"]
    assert validation.inputs["validationRecordFqdns"] == ["_c0ffee.api.example.com"]
    # The listener takes the ARN the validation hands out, so it waits for an issued certificate.
    https = ev.one("aws:lb/listener:Listener", "edge-https")
    assert validation.urn in https.property_dependencies["certificateArn"]
    alias = ev.one("aws:route53/record:Record", "edge-alias")
    assert alias.inputs["name"] == "api.example.com" and alias.inputs["type"] == "A"
    assert alias.inputs["zoneId"] == ZONE and alias.inputs["aliases"][0]["evaluateTargetHealth"] is True
    assert resolve(holder["lb"].certificate_arn)[0] == https.inputs["certificateArn"]


def test_an_existing_certificate_of_another_region_is_refused_at_construction():
    with pytest.raises(ValueError, match="the certificate is in eu-west-1 but the stack deploys to us-east-1"):
        run_program(lambda: LoadBalancer("edge", lb_args(certificate_arn=ARN.replace("us-east-1", "eu-west-1"))))


def prod_config(**changes):
    raw, _ = read_stack_config("prod", ROOT)
    raw.update(operator_values("prod"))
    for key, value in changes.items():
        if value is None:
            raw.pop(f"scaling:{key}", None)
        else:
            raw[f"scaling:{key}"] = value
    return raw


def test_prod_without_a_certificate_source_is_a_configuration_error_naming_the_keys():
    with pytest.raises(ConfigurationError) as error:
        load_checked_settings(prod_config(lbDomainName=None, lbHostedZoneId=None), "prod")
    assert ("scaling:lbDomainName + scaling:lbHostedZoneId, or scaling:lbCertificateArn: required in prod"
            in str(error.value))


def test_prod_accepts_an_existing_certificate_of_its_region_only():
    settings = load_checked_settings(prod_config(lbDomainName=None, lbHostedZoneId=None, lbCertificateArn=ARN), "prod")
    assert settings.load_balancer.certificate_arn == ARN
    with pytest.raises(ConfigurationError, match="certificate is in eu-west-1 but the stack deploys to us-east-1"):
        load_checked_settings(prod_config(lbDomainName=None, lbHostedZoneId=None,
                                          lbCertificateArn=ARN.replace("us-east-1", "eu-west-1")), "prod")


def test_domain_without_zone_and_domain_with_certificate_are_refused():
    with pytest.raises(ConfigurationError, match="expected both"):
        load_checked_settings(prod_config(lbHostedZoneId=None), "prod")
    with pytest.raises(ConfigurationError, match="both set; expected one"):
        load_checked_settings(prod_config(lbCertificateArn=ARN), "prod")


def test_no_stack_file_holds_a_placeholder():
    for path in ROOT.glob("Pulumi.*.yaml"):
        text = path.read_text()
        assert "123456789012" not in text and "00000000-0000" not in text and "example.com" not in text.replace(
            "# ", "").split("config:")[-1], path.name
