"""Can this deploy job reach the stack's EKS API? If not, which resources must `pulumi up` leave out?

The EKS endpoint is private by default (``eksPublicAccessCidrs`` empty): only addresses inside the VPC
reach it, and a GitHub-hosted runner is not inside the VPC. Every Kubernetes resource (the workload, the
metrics pipeline, the AWS Load Balancer Controller, the Cluster Autoscaler's Helm release) is created by
talking to that API, so from such a runner they would fail after the AWS tiers were half applied.

The deploy workflow runs this before `pulumi up` (docs/deploy.md, "How CI reaches the cluster"):

* a self-hosted runner inside the VPC is configured for the stack (``--runner LABEL``), or
* the stack opens the public endpoint to CIDRs (``scaling:eksPublicAccessCidrs`` in ``Pulumi.<stack>.yaml``,
  which should hold the runners' egress addresses)

-> everything is applied. Otherwise the Kubernetes tier is excluded (``pulumi up --exclude <pattern>
--exclude-dependents``, Pulumi CLI 3.158.0 or later) and the job summary says what was skipped and why.

    python -m scripts.cluster_access --stack dev [--runner LABEL] [--github-output FILE] [--summary FILE]

Exit codes: 0 decided (applied or skipped), 2 configuration error (unreadable stack file, a setting that is
not a list of CIDRs).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scaling_kit.stackfiles import SECRET_PLACEHOLDER, StackFileError, read_project, read_stack_config

ROOT = Path(__file__).resolve().parents[1]
SETTING = "eksPublicAccessCidrs"
# `--exclude` appeared in this release (pulumi/pulumi#18828, changelog of 3.158.0); older CLIs reject the flag.
MINIMUM_PULUMI_CLI = "3.158.0"

# Type tokens of the components that exist only to put things into the cluster. Their AWS children (the
# controller's IAM role and security-group rules) are skipped with them: they serve nothing without it.
KUBERNETES_COMPONENTS = (
    "scaling:workload:Workload",
    "scaling:metrics_pipeline:MetricsPipeline",
    "scaling:load_balancer_controller:LoadBalancerController",
    # Their IAM roles serve only in-cluster service accounts: skipped with the rest of the tier.
    "scaling:keda:Keda",
    "scaling:consumer:KafkaConsumer",
    "scaling:alertmanager:Alertmanager",
)


def exclude_patterns(stack: str, project: str) -> list[str]:
    """URN globs (Pulumi's syntax: ``*`` within one URN part, ``**`` across parts) of the Kubernetes tier.

    A URN's type part is the chain of its ancestors' types joined by ``$`` (the stack itself left out), so
    a Kubernetes resource is ``...::kubernetes:<type>::name`` at the top or ``...$kubernetes:<type>::name``
    below a component; that covers the Helm releases inside ``scaling:eks_cluster:EksCluster`` too, whose
    AWS resources (cluster, nodes, add-ons) stay in the update. The Kubernetes provider is matched so no
    resource of the cluster remains that would need it."""
    prefix = f"urn:pulumi:{stack}::{project}::"
    return [
        f"{prefix}kubernetes:**",
        f"{prefix}**$kubernetes:**",
        f"{prefix}**pulumi:providers:kubernetes::**",
        *(f"{prefix}**{token}**" for token in KUBERNETES_COMPONENTS),
    ]


def urn_glob_matches(pattern: str, urn: str) -> bool:
    """Whether Pulumi's engine matches ``urn`` with ``pattern`` (UrnTargets.getMatcher in pkg/resource/deploy:
    ``**`` is any text, ``*`` any text without ``:``, the whole URN must match; no ``*``: equality)."""
    if "*" not in pattern:
        return pattern == urn
    segments = ["[^:]*".join(re.escape(part) for part in segment.split("*")) for segment in pattern.split("**")]
    return re.fullmatch(".*".join(segments), urn) is not None


@dataclass(frozen=True)
class Decision:
    """What the deploy job does with the Kubernetes tier of one stack."""
    stack: str
    apply_kubernetes: bool
    reason: str
    exclude: tuple[str, ...] = ()

    def github_outputs(self) -> str:
        """``$GITHUB_OUTPUT`` lines: ``exclude`` (one pattern per line, the multi-line form of pulumi/actions),
        ``exclude-dependents`` and ``kubernetes`` (applied / skipped)."""
        delimiter = "EXCLUDE_PATTERNS_END"
        return (f"exclude<<{delimiter}\n" + "".join(f"{p}\n" for p in self.exclude) + f"{delimiter}\n"
                f"exclude-dependents={'true' if self.exclude else 'false'}\n"
                f"kubernetes={'applied' if self.apply_kubernetes else 'skipped'}\n")

    def summary(self) -> str:
        """Markdown for the job summary."""
        if self.apply_kubernetes:
            return f"### Kubernetes tier of `{self.stack}`: applied\n\n{self.reason}\n"
        patterns = "".join(f"    --exclude '{p}'\n" for p in self.exclude)
        return (f"### Kubernetes tier of `{self.stack}`: skipped\n\n{self.reason}\n\n"
                "`pulumi up` runs without the Kubernetes resources (the workload, the metrics pipeline, the AWS Load "
                "Balancer Controller, the Cluster Autoscaler release) and without whatever depends on them:\n\n"
                f"```\n{patterns}    --exclude-dependents\n```\n\n"
                "Until they are applied, the target group of the EKS backend stays empty. To apply them, "
                f"either set `scaling:{SETTING}` in `Pulumi.{self.stack}.yaml` to the runners' egress CIDRs or run "
                f"this job on a self-hosted runner inside the stack's VPC (repository variable "
                f"`{runner_variable(self.stack)}`); see docs/deploy.md, \"How CI reaches the cluster\".\n")


def runner_variable(stack: str) -> str:
    """The repository variable that names a self-hosted runner (label) inside ``stack``'s VPC."""
    return f"DEPLOY_RUNNER_{re.sub(r'[^A-Za-z0-9]', '_', stack).upper()}"


def public_access_cidrs(stack: str, root: Path) -> list[str]:
    """``scaling:eksPublicAccessCidrs`` of the stack (stack file, else the project default), checked."""
    project = read_project(root)["name"]
    config, secret_keys = read_stack_config(stack, root)
    key = f"{project}:{SETTING}"
    raw = config.get(key, "[]")
    if key in secret_keys or raw == SECRET_PLACEHOLDER:
        raise StackFileError(f"{key} is a secret in Pulumi.{stack}.yaml: this step reads the stack file without "
                             "decrypting it; store the CIDRs as a plain list (they are not secret)")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise StackFileError(f"{key} = {raw!r} in Pulumi.{stack}.yaml: expected a list of IPv4 CIDR blocks, "
                             "e.g. [\"203.0.113.0/24\"]")
    for cidr in value:
        try:
            ipaddress.IPv4Network(cidr)
        except ValueError:
            raise StackFileError(f"{key}: {cidr!r} in Pulumi.{stack}.yaml is not an IPv4 CIDR block "
                                 "(such as 203.0.113.0/24, host bits zero)") from None
    return value


def decide(stack: str, root: Path = ROOT, runner: str = "") -> Decision:
    """Whether the job for ``stack`` can apply the Kubernetes tier, and the exclusions when it cannot."""
    runner = runner.strip()
    cidrs = public_access_cidrs(stack, root)
    if runner:
        return Decision(stack, True, f"The job runs on the self-hosted runner `{runner}` (`{runner_variable(stack)}`), "
                                     "which reaches the private EKS endpoint from inside the VPC.")
    if cidrs:
        return Decision(stack, True, f"`scaling:{SETTING}` opens the public EKS endpoint to "
                                     f"{', '.join(f'`{c}`' for c in cidrs)}; this runner's egress address must be "
                                     "inside one of them, or the Kubernetes resources time out.")
    project = read_project(root)["name"]
    return Decision(stack, False, f"The EKS endpoint of `{stack}` is private only (`scaling:{SETTING}` is empty) and "
                                  f"no self-hosted runner inside its VPC is configured (`{runner_variable(stack)}` is "
                                  "not set): this GitHub-hosted runner cannot reach the Kubernetes API.",
                    tuple(exclude_patterns(stack, project)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.cluster_access", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--runner", default="", help="label of the self-hosted runner in the stack's VPC, if any")
    parser.add_argument("--github-output", type=Path, help="append the step outputs to this file ($GITHUB_OUTPUT)")
    parser.add_argument("--summary", type=Path, help="append the Markdown summary to this file ($GITHUB_STEP_SUMMARY)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        decision = decide(args.stack, args.root, args.runner)
    except StackFileError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 2
    if args.github_output:
        with args.github_output.open("a") as out:
            out.write(decision.github_outputs())
    if args.summary:
        with args.summary.open("a") as out:
            out.write(decision.summary())
    if not decision.apply_kubernetes:
        # An annotation on the run page as well, so a skipped tier is seen without opening the summary.
        print(f"::warning::Kubernetes tier of {args.stack} skipped: {decision.reason}")
    print(decision.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
