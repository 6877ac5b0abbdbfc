"""endpoint_service: the policy pack and the live audit read VPC endpoint service names through it."""

import pytest

from scaling_kit.aws_limits import endpoint_service


@pytest.mark.parametrize("name, region, expected", [
    ("com.amazonaws.us-east-1.ecr.api", None, "ecr.api"),
    ("com.amazonaws.eu-west-1.sts", None, "sts"),
    ("com.amazonaws.us-east-1.ecr.dkr", "us-east-1", "ecr.dkr"),
    # Another region's endpoint is not this region's service.
    ("com.amazonaws.eu-west-1.sts", "us-east-1", "com.amazonaws.eu-west-1.sts"),
    ("aws.sagemaker.us-east-1.notebook", None, "aws.sagemaker.us-east-1.notebook"),
    ("", None, ""),
])
def test_endpoint_service(name, region, expected):
    assert endpoint_service(name, region) == expected
