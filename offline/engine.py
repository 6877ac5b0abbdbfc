"""Evaluate the stack program in-process under Pulumi's mock engine and record every resource.

No Pulumi CLI, no cloud credentials, no network: the program runs exactly as ``pulumi preview``
would run it, except that the resource monitor is ``RecordingMonitor`` (a ``MockMonitor`` that keeps
the full registration request: parent, protect, aliases, ignoreChanges, ...).

Two modes:

* ``preview=True`` (the offline preview): like a real first preview, outputs the provider computes
  (ids, ARNs, endpoints) are unknown, and so is every input derived from them.
* ``preview=False`` (component tests): the mocks answer with fake but known ids and ARNs, so tests can
  look inside values built with ``apply``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pulumi
from google.protobuf import json_format
from pulumi.runtime.mocks import Mocks

from scaling_kit.stackfiles import SECRET_PLACEHOLDER, program_path, read_project, read_stack_config, stringify

from .sdk import (
    UNKNOWN,
    InputEchoingMonitor,
    evaluate_types_once,
    is_rpc_secret,
    load_provider_packages_lazily,
    reset_engine_state,
    skip_stack_traces,
    sync_await,
    wait_for_pending_work,
)

# Before any program touches pulumi_aws.<service>: import only the provider modules programs use.
load_provider_packages_lazily()
# While a program runs, collect cycles only after this many new container objects: an evaluation allocates
# hundreds of thousands (protobuf requests, Outputs, futures) that nearly all live until it ends, so the
# default (700) ran a collection every few resources for nothing.
EVALUATION_GC_THRESHOLD = 100_000

# The engine spells "unknown during preview" with one sentinel per type (see pulumi_policy.proxy).
_UNKNOWN_SENTINELS = {UNKNOWN, "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
                      "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", "030794c1-ac77-496b-92df-f27374a8bd58",
                      "e48ece36-62e2-4504-bad9-02848725956a", "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"}
FAKE_ACCOUNT = "123456789012"


@dataclass
class RecordedResource:
    """One registered resource, as the engine would see it."""
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict
    """Inputs in the engine's wire form (what a policy pack receives): camelCase names, numbers as
    floats, secrets as ``{"4dabf18193072939515e22adb298388d": "1b47...", "value": ...}`` and unknowns as
    the engine's sentinel strings."""
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    aliases: int = 0
    depends_on: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    """URNs each input property depends on (what the policy pack uses to link resources in a preview)."""
    delete_before_replace: bool = False
    provider: str = ""


@dataclass
class Evaluation:
    """Everything one evaluation of a program produced."""
    project: str
    stack: str
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    config: dict[str, str]
    invokes: list[str]
    error: Optional[Exception] = None

    def by_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str) -> RecordedResource:
        matches = [r for r in self.resources if r.type == type_ and r.name == name]
        if len(matches) != 1:
            raise KeyError(f"expected one {type_} named {name!r}, found {len(matches)}: "
                           f"{sorted(r.name for r in self.by_type(type_))}")
        return matches[0]


class RecordingMonitor(InputEchoingMonitor):
    """A mock resource monitor that also records each registration request."""

    def __init__(self, mocks: Mocks):
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.recorded.append(RecordedResource(
                urn=response.urn, type=request.type, name=request.name, parent=request.parent,
                custom=request.custom, inputs=json_format.MessageToDict(request.object),
                protect=request.protect, retain_on_delete=request.retainOnDelete,
                ignore_changes=list(request.ignoreChanges), replace_on_changes=list(request.replaceOnChanges),
                aliases=len(request.aliases) + len(request.aliasURNs), depends_on=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                delete_before_replace=request.deleteBeforeReplace, provider=request.provider))
        return response


def _invoke_results(region: str) -> dict[str, Callable[[dict], dict]]:
    """Answers for the data-source invokes the program makes (everything else answers empty)."""
    zones = [f"{region}{suffix}" for suffix in "abcdef"]
    return {
        "aws:index/getAvailabilityZones:getAvailabilityZones": lambda a: {
            "names": zones, "zoneIds": [f"use1-az{i}" for i in range(1, 7)], "state": "available",
            "id": region},
        "aws:index/getRegion:getRegion": lambda a: {"name": region, "region": region, "id": region,
                                                    "description": region, "endpoint": f"ec2.{region}.amazonaws.com"},
        "aws:index/getCallerIdentity:getCallerIdentity": lambda a: {
            "accountId": FAKE_ACCOUNT, "arn": f"arn:aws:iam::{FAKE_ACCOUNT}:user/offline",
            "userId": "OFFLINE", "id": FAKE_ACCOUNT},
        "aws:index/getPartition:getPartition": lambda a: {"partition": "aws", "dnsSuffix": "amazonaws.com",
                                                          "id": "aws"},
        "aws:ssm/getParameter:getParameter": lambda a: {"name": a.get("name"), "type": "String",
                                                        "value": "ami-0123456789abcdef0", "id": a.get("name")},
        "aws:ec2/getAmi:getAmi": lambda a: {"id": "ami-0123456789abcdef0", "imageId": "ami-0123456789abcdef0"},
        "aws:elb/getServiceAccount:getServiceAccount": lambda a: {
            "arn": "arn:aws:iam::127311923021:root", "id": "127311923021"},
    }


def _fake_hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _fake_uuid(seed: str) -> str:
    digest = _fake_hex(seed, 32)
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"


def _computed_state(type_: str, name: str, inputs: dict, region: str) -> dict[str, Any]:
    """Attributes the provider computes that components read (test mode only): RDS endpoints, the
    RDS-managed master user secret, and ARNs in each service's real form where code parses them (MSK
    cluster and topic, RDS Proxy, Secrets Manager) and the names of auto-named IAM roles and policies."""
    host = f"{inputs.get('identifier') or inputs.get('name') or name}.c0ffee.{region}.rds.amazonaws.com"
    if type_ == "aws:rds/instance:Instance":
        secret = ([{"secretArn": f"arn:aws:secretsmanager:{region}:{FAKE_ACCOUNT}:secret:rds!db-{name}",
                    "kmsKeyId": inputs.get("masterUserSecretKmsKeyId", ""), "secretStatus": "active"}]
                  if inputs.get("manageMasterUserPassword") else [])
        return {"address": host, "endpoint": f"{host}:{int(inputs.get('port', 5432))}", "masterUserSecrets": secret}
    if type_ == "aws:rds/proxy:Proxy":
        # The last segment of a proxy's ARN is its resource id (prx-...), which rds-db:connect ARNs name.
        return {"endpoint": host.replace(".c0ffee.", ".proxy-c0ffee."),
                "arn": f"arn:aws:rds:{region}:{FAKE_ACCOUNT}:db-proxy:prx-{_fake_hex(name, 17)}"}
    if type_ == "aws:msk/cluster:Cluster":
        cluster = inputs.get("clusterName") or name
        return {"arn": f"arn:aws:kafka:{region}:{FAKE_ACCOUNT}:cluster/{cluster}/{_fake_uuid(name)}-3",
                "bootstrapBrokersSaslIam": ",".join(f"b-{i}.{cluster}.kafka.{region}.amazonaws.com:9098"
                                                    for i in (1, 2, 3))}
    if type_ == "aws:msk/topic:Topic" and ":cluster/" in str(inputs.get("clusterArn", "")):
        return {"arn": inputs["clusterArn"].replace(":cluster/", ":topic/", 1) + f"/{inputs.get('name', name)}"}
    if type_ in ("aws:iam/role:Role", "aws:iam/policy:Policy"):
        # The provider auto-names both (name plus a random suffix); attachments refer to roles by name.
        return {"name": inputs.get("name") or name}
    if type_ == "aws:secretsmanager/secret:Secret":
        # Secrets Manager appends six random characters to the name in the ARN.
        return {"arn": f"arn:aws:secretsmanager:{region}:{FAKE_ACCOUNT}:secret:{inputs.get('name') or name}-"
                       f"{_fake_hex(name, 6)}"}
    if type_ == "aws:lb/loadBalancer:LoadBalancer":
        return {"arnSuffix": f"app/{name}/50dc6c495c0c9188", "dnsName": f"{name}.{region}.elb.amazonaws.com",
                "zoneId": "Z35SXDOTRQ7X7K"}
    if type_ == "aws:lb/targetGroup:TargetGroup":
        return {"arnSuffix": f"targetgroup/{name}/73e2d6bc24d8a067"}
    if type_ == "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":
        return {"name": "default"}
    if type_ == "aws:acm/certificate:Certificate" and inputs.get("validationMethod") == "DNS":
        domain = inputs.get("domainName", name)
        return {"domainValidationOptions": [{
            "domainName": domain, "resourceRecordName": f"_c0ffee.{domain}.", "resourceRecordType": "CNAME",
            "resourceRecordValue": "_c0ffee.acm-validations.aws."}]}
    if type_ == "aws:route53/record:Record":
        return {"fqdn": str(inputs.get("name", name)).rstrip(".")}
    return {}


def _eks_cluster_state(name: str, state: dict, region: str, preview: bool) -> dict:
    """Nested attributes EKS computes for a cluster: unknown in a preview (as the real engine shows them),
    fake but known in test mode. Top-level keys missing from the state are unknown anyway in a preview;
    ``vpcConfig`` is an input, so its computed ``clusterSecurityGroupId`` needs spelling out."""
    vpc_config = dict(state.get("vpcConfig") or {})
    vpc_config["clusterSecurityGroupId"] = UNKNOWN if preview else f"sg-{name}"
    if preview:
        return {**state, "vpcConfig": vpc_config}
    issuer = f"https://oidc.eks.{region}.amazonaws.com/id/{name.upper()}"
    return {**state, "vpcConfig": vpc_config, "endpoint": f"https://{name}.gr7.{region}.eks.amazonaws.com",
            "certificateAuthority": {"data": "Q0VSVElGSUNBVEU="}, "identities": [{"oidcs": [{"issuer": issuer}]}]}


class OfflineMocks(Mocks):
    """Mocks for the offline preview (``preview=True``) and for tests (``preview=False``)."""

    def __init__(self, region: str, preview: bool):
        self.region = region
        self.preview = preview
        self.invokes: list[str] = []
        self._answers = _invoke_results(region)
        self._answered: dict[str, dict] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        state = dict(args.inputs)
        if args.typ == "aws:eks/cluster:Cluster":
            state = _eks_cluster_state(args.name, state, self.region, self.preview)
        if self.preview:
            # A first preview knows no provider-computed output, only the inputs.
            return "", state
        resource_id = f"{args.name}-id"
        service = args.typ.split(":")[1].split("/")[0]
        for key, value in _computed_state(args.typ, args.name, state, self.region).items():
            state.setdefault(key, value)
        state.setdefault("arn", f"arn:aws:{service}:{self.region}:{FAKE_ACCOUNT}:{args.name}")
        state.setdefault("id", resource_id)
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs):
        """The answer to an invoke; identical invokes (same token and arguments, which components repeat:
        every subnet tier asks for the zones) are answered once and then from the cache. ``invokes`` still
        lists every call the program made."""
        self.invokes.append(args.token)
        key = args.token + json.dumps(args.args, sort_keys=True, default=str)
        if key not in self._answered:
            answer = self._answers.get(args.token)
            self._answered[key] = answer(args.args) if answer else {}
        return dict(self._answered[key])


def _run_program_file(path: Path) -> Callable[[], None]:
    """Run a program file as the Python language host does: its folder first on ``sys.path``."""
    def run() -> None:
        folder = str(path.parent)
        sys.path.insert(0, folder)
        try:
            runpy.run_path(str(path), run_name="__main__")
        finally:
            if folder in sys.path:
                sys.path.remove(folder)
    return run


def _run(program: Callable[[], None]) -> None:
    """Run the program, then wait for every registration and ``apply`` it started.

    The program runs outside the event loop: a synchronous invoke (``aws.get_availability_zones``) then
    runs the loop until its own answer is in. Inside the loop, as ``pulumi.runtime.run_in_stack`` runs
    it, each such invoke re-queues every pending callback, which made evaluation time grow with the
    square of the resource count (5 service sets: 16.6 s instead of about 5 s)."""
    error: Optional[BaseException] = None
    try:
        program()
    except BaseException as exc:  # re-raised once the RPCs it started have settled
        error = exc
    wait_for_pending_work()
    if error is not None:
        raise error


def resolve(value: Any) -> tuple[Any, bool, bool]:
    """(value, known, secret) of a plain value or Output, after the program has run."""
    output = pulumi.Output.from_input(value)
    known = sync_await(output.is_known())
    secret = sync_await(output.is_secret())
    return (sync_await(output.future()) if known else None), known, secret


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the cycle collector's first threshold to ``EVALUATION_GC_THRESHOLD`` for the block (an evaluation,
    a policy run: both allocate many objects that live until they end), then restore it."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], EVALUATION_GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def evaluate(stack: str, *, root: Optional[Path] = None, config_overrides: Optional[Mapping[str, Any]] = None,
             program: Optional[Callable[[], None]] = None, preview: bool = True) -> Evaluation:
    """Run the program of the project in ``root`` (default: the working directory), or ``program``, for
    ``stack`` and record what it declares.

    ``config_overrides`` maps full keys (``scaling:asgMaxSize``) to values; ``None`` removes a key.
    A ``pulumi.RunError`` (such as a configuration error) is captured in ``Evaluation.error``; any other
    exception propagates, because it is a bug."""
    root = Path.cwd() if root is None else Path(root)
    project_file = read_project(root)
    config, secret_keys = read_stack_config(stack, root)
    for key, value in (config_overrides or {}).items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = stringify(value)
    project = project_file["name"]
    region = config.get("aws:region", "us-east-1")

    mocks = OfflineMocks(region, preview)
    monitor = RecordingMonitor(mocks)
    reset_engine_state()  # a fresh Stack for this evaluation
    skip_stack_traces()
    evaluate_types_once()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(config, secret_keys)

    error: Optional[Exception] = None
    with fewer_collections():
        try:
            _run(program or _run_program_file(program_path(root, project_file)))
        except pulumi.RunError as exc:
            error = exc

    root_stack = pulumi.runtime.get_root_resource()
    outputs = {}
    if error is None:
        for key, value in getattr(root_stack, "outputs", {}).items():
            resolved, known, secret = resolve(value)
            outputs[key] = SECRET_PLACEHOLDER if secret else (resolved if known else UNKNOWN)
    return Evaluation(project=project, stack=stack, resources=monitor.recorded, outputs=outputs,
                      config=config, invokes=mocks.invokes, error=error)


def display_value(value: Any) -> Any:
    """A JSON-safe copy of an input value with secrets masked and unknowns spelled out."""
    if isinstance(value, dict):
        if is_rpc_secret(value):
            return SECRET_PLACEHOLDER
        return {k: display_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [display_value(v) for v in value]
    if isinstance(value, str) and value in _UNKNOWN_SENTINELS:
        return "(known after apply)"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
