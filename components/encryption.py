"""Customer-managed KMS keys, made the same way by every component that encrypts data at rest."""

from __future__ import annotations

from typing import Mapping, Optional

import pulumi
import pulumi_aws as aws


def customer_managed_key(name: str, description: str, tags: Mapping[str, str], parent: pulumi.Resource,
                         protect: bool, policy: Optional[pulumi.Input[str]] = None) -> aws.kms.Key:
    """A symmetric key with automatic yearly rotation and the longest deletion window (30 days), so a
    mistaken deletion can still be cancelled. ``protect`` in production: losing the key loses the data.
    ``policy``: a key policy for a service principal that IAM policies cannot grant (CloudWatch publishing
    to an encrypted topic); None keeps AWS's default policy (the account administers the key)."""
    return aws.kms.Key(name, description=description, enable_key_rotation=True, deletion_window_in_days=30,
                       policy=policy, tags=dict(tags), opts=pulumi.ResourceOptions(parent=parent, protect=protect))
