"""IAM: rights on the data tier are held by an identity, no statement grants a restrictable action on ``*``, and
every KMS key has an explicit key policy that admits the account and conditioned service principals only.

Policy documents arrive as JSON strings (or objects) in ``policy`` of ``aws:iam/policy:Policy`` and the
inline policy types, and in ``inlinePolicies[].policy`` of ``aws:iam/role:Role``. A document built from ARNs
(``Output.apply``) is unknown during a first preview: the rule is then skipped with the analyzer's note and
decided by the test-mode walk (tests/stack/test_paths.py) and by every later preview, where ARNs are known.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from .common import (
    CRITICAL,
    HIGH,
    UnknownCollector,
    depends_on,
    get,
    items,
    known_equal,
    label,
    of_type,
    resource_policy,
    schema,
    stack_policy,
    string_list,
)

POLICY = "aws:iam/policy:Policy"
INLINE_POLICY_TYPES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy",
                       "aws:iam/groupPolicy:GroupPolicy")
ROLE = "aws:iam/role:Role"
# Resources that attach a managed policy through one ARN input, and through a list of ARNs.
ATTACHMENTS = {"aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
               "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
               "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
               "aws:iam/policyAttachment:PolicyAttachment": "policyArn"}
LIST_ATTACHMENTS = {ROLE: "managedPolicyArns", "aws:iam/user:User": "managedPolicyArns",
                    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns"}

# Actions that give access to the data tier's contents: a policy holding one must be attached to someone.
DATA_ACTIONS = ("kafka-cluster:Connect", "kafka-cluster:ReadData", "kafka-cluster:WriteData",
                "kafka-cluster:AlterGroup", "rds-db:connect", "secretsmanager:GetSecretValue")

# Actions with no resource-level permissions (the Service Authorization Reference lists no resource type for
# them), so ``Resource: "*"`` is the only form IAM accepts. Patterns, matched case-insensitively. Every
# ``kafka-cluster:`` action names a cluster, topic, group or transactional-id ARN, so none is listed.
UNRESTRICTABLE_ACTIONS = [
    "ec2:Describe*", "ec2:GetInstanceTypesFromInstanceRequirements",
    "elasticloadbalancing:Describe*", "autoscaling:Describe*",
    "ecr:GetAuthorizationToken", "sts:GetCallerIdentity",
    "cloudwatch:PutMetricData", "cloudwatch:GetMetricData", "cloudwatch:ListMetrics",
    "acm:ListCertificates", "iam:ListServerCertificates", "shield:GetSubscriptionState",
    "tag:GetResources",
]
# Condition keys that restrict a ``*`` statement to tagged resources (ABAC): the documented way to scope
# actions on resources whose ARNs are unknown when the policy is written (created later, by a controller).
TAG_CONDITION_PREFIXES = ("aws:resourcetag/", "aws:requesttag/")


def _plain(value: Any) -> Any:
    """Plain dicts and lists from the analyzer's read-only proxies (reading through, so unknowns raise)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in items(value)]
    return value


def document(value: Any) -> dict:
    """A policy document from its JSON string or object form ({} when absent or not JSON)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    value = _plain(value)
    return value if isinstance(value, dict) else {}


def _listed(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(doc: dict) -> list[dict]:
    return [s for s in _listed(doc.get("Statement")) if isinstance(s, dict)]


def allowed_actions(doc: dict) -> list[str]:
    return [str(a) for s in statements(doc) if s.get("Effect") == "Allow" for a in _listed(s.get("Action"))]


def grants_data_access(doc: dict) -> list[str]:
    """The data-tier actions ``doc`` allows (an ``Action`` may be a pattern such as ``kafka-cluster:*``)."""
    found = []
    for action in allowed_actions(doc):
        if any(fnmatch.fnmatchcase(data.lower(), action.lower()) for data in DATA_ACTIONS):
            found.append(action)
    return found


def _tag_scoped(statement: dict) -> bool:
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return False
    keys = [str(k).lower() for operator in condition.values() if isinstance(operator, dict) for k in operator]
    return any(k.startswith(TAG_CONDITION_PREFIXES) for k in keys)


def wildcard_findings(doc: dict, unrestrictable: Iterable[str]) -> list[str]:
    """Actions ``doc`` allows on ``Resource: "*"`` although they support resource-level permissions."""
    patterns = [p.lower() for p in unrestrictable]
    found = []
    for statement in statements(doc):
        if statement.get("Effect") != "Allow" or "*" not in _listed(statement.get("Resource")):
            continue
        if "NotAction" in statement:
            found.append(f"NotAction {statement['NotAction']!r}")
            continue
        if _tag_scoped(statement):
            continue
        for action in _listed(statement.get("Action")):
            if not any(fnmatch.fnmatchcase(str(action).lower(), p) for p in patterns):
                found.append(str(action))
    return found


def _documents(args) -> list[tuple[str, Any]]:
    if args.resource_type == ROLE:
        inline = items(get(args.props, "inlinePolicies"))
        return [(f"inlinePolicies[{i}]", get(p, "policy")) for i, p in enumerate(inline)]
    return [("policy", get(args.props, "policy"))]


def _no_wildcard(args, k, violation):
    for where, value in _documents(args):
        found = wildcard_findings(document(value), k["unrestrictableActions"])
        if found:
            violation(f"{where} allows {', '.join(sorted(set(found)))} on Resource '*'; these actions support "
                      "resource-level permissions, so the statement should name the ARNs it needs")


no_wildcard_resource = resource_policy(
    "aws-iam-no-wildcard-resource",
    "IAM statements name the ARNs they need: no Resource '*' for an action that supports resource-level "
    "permissions.",
    (POLICY, *INLINE_POLICY_TYPES, ROLE), _no_wildcard, severity=HIGH,
    remediation="Put the resource ARNs in the statement (components expose them: cluster_arn, proxy_arn, "
                "secret ARNs); when the ARNs cannot be known in advance, scope the statement with an "
                "aws:ResourceTag/... or aws:RequestTag/... condition. Only actions without resource-level "
                "permissions (the unrestrictableActions knob) may use '*'.",
    config_schema=schema(unrestrictableActions=string_list(
        UNRESTRICTABLE_ACTIONS, "Action patterns that have no resource-level permissions and may use '*'.")))


def _attached(policy, attachments) -> bool:
    """Whether an attachment holds ``policy``. A list of ARNs not known yet decides nothing: a later attachment
    may still prove it, and only when none does is the unknown raised (the policy is then not judged during the
    preview, instead of reported as unattached, or not, by the order of the attachments)."""
    unknown = None
    for attachment in attachments:
        single = ATTACHMENTS.get(attachment.resource_type)
        if single is not None:
            if depends_on(attachment, policy, single) or \
                    known_equal(functools.partial(get, attachment.props, single), policy, "arn", "id"):
                return True
            continue
        listed = LIST_ATTACHMENTS[attachment.resource_type]
        if depends_on(attachment, policy, listed):
            return True
        try:
            arns = items(get(attachment.props, listed))
        except UnknownValueError as error:
            unknown = unknown or error
            continue
        for arn in arns:
            if known_equal(lambda arn=arn: arn, policy, "arn", "id"):  # type: ignore[misc]  # mypy: a lambda binding the loop value
                return True
    if unknown is not None:
        raise unknown
    return False


def _no_unattached_data_policy(args, k, report):
    unknown = UnknownCollector()
    attachments = of_type(args, *ATTACHMENTS, *LIST_ATTACHMENTS)
    for policy in of_type(args, POLICY):
        with unknown.guard():
            granted = grants_data_access(document(get(policy.props, "policy")))
            if granted and not _attached(policy, attachments):
                report(f"{label(policy)} grants {', '.join(sorted(set(granted)))} but no role, user or group holds "
                       "it: the application that needs the data cannot use it, and the policy is dead code",
                       policy.urn)
    unknown.raise_first()


no_unattached_data_policy = stack_policy(
    "aws-iam-no-unattached-data-policy",
    "A customer-managed policy that grants data-tier access (kafka-cluster, rds-db:connect, "
    "secretsmanager:GetSecretValue) is attached to a role, user or group.",
    _no_unattached_data_policy, severity=CRITICAL,
    remediation="Attach it with aws.iam.RolePolicyAttachment to the role that uses the data (components."
                "app_identity.AppIdentity does this for the app's instance and workload roles), or delete it.")

KMS_KEY = "aws:kms/key:Key"
_ACCOUNT_ROOT = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:root|\d{12}")


def _principals(statement: dict) -> list[tuple[str, str]]:
    """(kind, value) pairs of a statement's Principal: ("*", "*") for the bare wildcard."""
    principal = statement.get("Principal")
    if principal == "*":
        return [("*", "*")]
    if not isinstance(principal, dict):
        return []
    return [(str(kind), str(value)) for kind, values in principal.items() for value in _listed(values)]


def key_policy_findings(doc: dict) -> list[str]:
    """What makes a key policy other than "the account administers the key, services use it under a condition"."""
    allows = [s for s in statements(doc) if s.get("Effect") == "Allow"]
    found = []
    if not any(kind == "AWS" and _ACCOUNT_ROOT.fullmatch(value) for s in allows for kind, value in _principals(s)):
        found.append("no statement lets the account (arn:...:iam::<account>:root) administer the key: IAM policies "
                     "have no effect on it and nobody could manage it again")
    for index, statement in enumerate(allows):
        for kind, value in _principals(statement):
            where = f"statement {statement.get('Sid') or index}"
            if kind == "*" or value == "*":
                found.append(f"{where} allows any principal ('*')")
            elif kind == "Service" and not statement.get("Condition"):
                found.append(f"{where} lets {value} use the key for anything: add a kms:ViaService, "
                             "kms:EncryptionContext:... or aws:SourceArn condition")
            elif kind == "AWS" and not _ACCOUNT_ROOT.fullmatch(value):
                found.append(f"{where} names {value}: grant roles and users through IAM policies, the key policy "
                             "admits the account and service principals only")
            elif kind not in ("AWS", "Service"):
                found.append(f"{where} names a {kind} principal {value}")
    return found


def _key_policy(args, k, violation):
    value = get(args.props, "policy")
    if value in (None, ""):
        violation("policy is not set: the key relies on AWS's implicit default key policy; write it out "
                  "(the account administers the key, services use it under conditions)")
        return
    doc = document(value)
    if not statements(doc):
        violation("policy has no statement (not a JSON key policy)")
        return
    for finding in key_policy_findings(doc):
        violation(finding)


kms_key_explicit_policy = resource_policy(
    "aws-kms-key-explicit-policy",
    "KMS keys have an explicit key policy: the account administers the key, service principals use it only under "
    "a condition, nobody else is named.",
    (KMS_KEY,), _key_policy, severity=HIGH,
    remediation="Create keys with components.encryption.customer_managed_key (it writes the account-administers "
                "statement) and pass service statements built with a kms:ViaService or kms:EncryptionContext "
                "condition (components.encryption.logs_key_statement for CloudWatch Logs).")

POLICIES = [no_wildcard_resource, no_unattached_data_policy, kms_key_explicit_policy]
