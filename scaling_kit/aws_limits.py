"""Facts about AWS that several components check against (not design numbers: those are in
scaling_kit/limits.py)."""

# CloudWatch Logs accepts only these retention periods, in days (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)

# Regions per partition, as botocore's endpoint data lists them (botocore 1.44); a test compares this with
# the installed botocore so a new region shows up as a failing test, not as a rejected stack.
REGIONS = {
    "aws": ("af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
            "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
            "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
            "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
            "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
            "us-west-1", "us-west-2"),
    "aws-cn": ("cn-north-1", "cn-northwest-1"),
    "aws-us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "aws-iso": ("us-iso-east-1", "us-iso-west-1"),
    "aws-iso-b": ("us-isob-east-1", "us-isob-west-1"),
    "aws-iso-e": ("eu-isoe-west-1",),
    "aws-iso-f": ("us-isof-east-1", "us-isof-south-1"),
    "aws-eusc": ("eusc-de-east-1",),
}


def partition_of(region: str) -> str | None:
    """The partition (``aws``, ``aws-cn``, ...) whose region list holds ``region``, or None."""
    return next((partition for partition, regions in REGIONS.items() if region in regions), None)


def endpoint_service(service_name: str, region: str | None = None) -> str:
    """The service of a VPC endpoint's service name as the configuration names it (``com.amazonaws.us-east-1.ecr.api``
    -> ``ecr.api``); with ``region``, only a name of that region is shortened. Any other name comes back whole."""
    parts = service_name.split(".", 3)
    if len(parts) == 4 and parts[:2] == ["com", "amazonaws"] and region in (None, parts[2]):
        return parts[3]
    return service_name
