"""DnsValidatedCertificate: an ACM certificate for one domain, validated by DNS in a Route 53 hosted zone.

ACM issues the certificate once the CNAME it asks for exists in the domain's zone; the
``CertificateValidation`` resource waits for that, so a listener that takes ``certificate_arn`` from this
component is created only with an issued certificate. ACM renews a DNS-validated certificate by itself as
long as the CNAME stays, which is why the record is a managed resource and not a one-off.

Also here: the checks for the TLS settings of the load balancer (a domain name, a hosted zone ID, an
existing certificate's ARN in the stack's region), as pure functions the stack runs while the
configuration loads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws

from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments

# arn:<partition>:acm:<region>:<account>:certificate/<uuid>
CERTIFICATE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):acm:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):(\d{12}):"
                             r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A public DNS name ACM can issue for: labels of letters, digits and '-', at least two labels, at most 253
# characters; a leading '*.' asks for a wildcard.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_NAME = re.compile(rf"(\*\.)?(?:{_LABEL}\.)+[a-z][a-z0-9-]{{0,61}}[a-z0-9]")
HOSTED_ZONE_ID = re.compile(r"Z[A-Z0-9]{1,31}")
VALIDATION_RECORD_TTL = 60


def domain_name_problem(domain_name: str) -> Optional[str]:
    """Why ``domain_name`` is not a name ACM can issue a certificate for, or None."""
    if len(domain_name) > 253 or not DOMAIN_NAME.fullmatch(domain_name):
        return ("expected a lower-case DNS name with at least two labels such as api.example.com (a leading '*.' "
                "for a wildcard), at most 253 characters")
    return None


def hosted_zone_id_problem(zone_id: str) -> Optional[str]:
    """Why ``zone_id`` is not a Route 53 hosted zone ID, or None."""
    if not HOSTED_ZONE_ID.fullmatch(zone_id):
        return "expected a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ (Z, then upper-case letters and digits)"
    return None


def certificate_arn_problem(arn: str, region: Optional[str] = None) -> Optional[str]:
    """Why ``arn`` is not an ACM certificate ARN in ``region`` (any region when None), or None.

    An ALB listener takes only a certificate from ACM in its own region (CloudFront's us-east-1 rule does not
    apply), and AWS reports the mismatch only at deployment, after other resources changed."""
    match = CERTIFICATE_ARN.fullmatch(arn)
    if not match:
        return ("expected an ACM certificate ARN, arn:aws:acm:<region>:<12-digit account>:certificate/<uuid> "
                "(aws-cn and aws-us-gov partitions too)")
    if region is not None and match.group(2) != region:
        return (f"the certificate is in {match.group(2)} but the stack deploys to {region}; a load balancer takes "
                f"only an ACM certificate of its own region (request or import one in {region})")
    return None


@dataclass(frozen=True)
class DnsValidatedCertificateArgs:
    """Arguments of :class:`DnsValidatedCertificate`."""

    domain_name: str
    """The name the certificate covers, e.g. ``api.example.com``. Required."""
    hosted_zone_id: str
    """Route 53 public hosted zone that holds ``domain_name`` (the validation record goes there). Required."""
    key_algorithm: str = "EC_prime256v1"
    """ACM key algorithm. Defaults to ``EC_prime256v1`` (ECDSA P-256: smaller handshakes than RSA 2048, and
    every TLS 1.3 client supports it)."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


KEY_ALGORITHMS = ("RSA_2048", "EC_prime256v1", "EC_secp384r1")


def validate_dns_validated_certificate_args(args: DnsValidatedCertificateArgs) -> None:
    """Raise ``ArgumentError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    if (reason := domain_name_problem(args.domain_name)):
        raise ArgumentError("domain_name", f"{args.domain_name!r}: {reason}")
    if (reason := hosted_zone_id_problem(args.hosted_zone_id)):
        raise ArgumentError("hosted_zone_id", f"{args.hosted_zone_id!r}: {reason}")
    if args.key_algorithm not in KEY_ALGORITHMS:
        raise ArgumentError("key_algorithm", f"{args.key_algorithm!r} is not allowed; expected one of "
                                             f"{KEY_ALGORITHMS} (the ones an ALB accepts)")


class DnsValidatedCertificate(pulumi.ComponentResource):
    """An ACM certificate for one domain, its DNS validation record in Route 53, and the wait for issuance."""

    certificate_arn: pulumi.Output[str]
    """ARN of the certificate, resolved only once ACM has issued it (take listeners' ``certificate_arn`` from
    here, not from the certificate, so they never get a pending one)."""
    domain_name: str
    """The domain the certificate covers."""
    hosted_zone_id: str
    """The hosted zone of the domain."""

    def __init__(self, name: str, args: DnsValidatedCertificateArgs,
                 opts: Optional[pulumi.ResourceOptions] = None):
        validate_dns_validated_certificate_args(args)
        super().__init__("scaling:certificate:DnsValidatedCertificate", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        certificate = aws.acm.Certificate(
            f"{name}-cert", domain_name=args.domain_name, validation_method="DNS",
            key_algorithm=args.key_algorithm, tags={**tags, "Name": args.domain_name},
            opts=pulumi.ResourceOptions(parent=self))
        # One domain, no alternative names: ACM asks for exactly one record, so it is declared once here and
        # only its name and value come from the certificate (no resource is created inside an apply).
        option = certificate.domain_validation_options.apply(lambda options: options[0])
        # ACM fills the record of every validation option; the SDK types each output field Optional.
        record = aws.route53.Record(
            f"{name}-validation", zone_id=args.hosted_zone_id,
            name=option.apply(lambda o: o.resource_record_name),
            type=option.apply(lambda o: o.resource_record_type),
            records=[option.apply(lambda o: o.resource_record_value)],  # type: ignore[arg-type,return-value]
            ttl=VALIDATION_RECORD_TTL,
            # ACM gives every certificate of one domain and account the same record: a replacement certificate
            # must be able to take over the record of the one it replaces.
            allow_overwrite=True, opts=pulumi.ResourceOptions(parent=certificate))
        validation = aws.acm.CertificateValidation(
            f"{name}-validated", certificate_arn=certificate.arn, validation_record_fqdns=[record.fqdn],
            opts=pulumi.ResourceOptions(parent=certificate))

        self.certificate_arn = validation.certificate_arn
        self.domain_name = args.domain_name
        self.hosted_zone_id = args.hosted_zone_id
        self.register_outputs({"certificate_arn": self.certificate_arn, "domain_name": self.domain_name,
                               "hosted_zone_id": self.hosted_zone_id})
