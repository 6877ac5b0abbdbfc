"""Live audit of a deployed stack: find its resources by the house tags and check them against the
stack configuration and the documented limits.

    python -m audit --stack prod            # table of findings and a summary
    python -m audit --stack prod --json     # the same as JSON
    python -m audit --stack dev --only rds --only elasticache

Exit codes: 0 no finding of severity error, 1 at least one error finding, 2 usage or configuration
error (unknown stack, invalid configuration, no credentials, bad option).

When nothing tagged for the stack is found, the first finding says so, with a hint about the account and
region the credentials point at. --json has every finding in full; the table wraps long cells.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Optional

from scaling_kit.stackfiles import parse_overrides
from stack.config import PROJECT, ConfigurationError

from . import SERVICES, run_audit
from .expectations import load_expectations
from .findings import render_table, to_json
from .session import RETRY_MODES, Clients, resolve_options

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 as well; keep its message format
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"error: {message}\n")


def main(argv: Optional[list[str]] = None, clients: Optional[Clients] = None) -> int:
    """``clients`` lets tests pass prepared clients; the command line never does."""
    description, _, rest = __doc__.partition("\n\n")
    parser = _Parser(prog="python -m audit", description=description.strip(), epilog="examples:\n" + rest.rstrip(),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml, matches tag Stack")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config value (repeatable), as in the offline preview")
    parser.add_argument("--only", action="append", choices=list(SERVICES), metavar="SERVICE",
                        help=f"audit only this service (repeatable): {', '.join(SERVICES)}")
    parser.add_argument("--region", help="AWS region (default: AWS_REGION, else the stack's aws:region)")
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE or the default chain)")
    parser.add_argument("--endpoint-url", help="one endpoint for every service (default: AWS_ENDPOINT_URL)")
    parser.add_argument("--retry-mode", choices=RETRY_MODES, help="botocore retry mode (default: AWS_RETRY_MODE or standard)")
    parser.add_argument("--max-attempts", type=int, help="botocore max attempts per call (default: AWS_MAX_ATTEMPTS or 6)")
    args = parser.parse_args(argv)

    try:
        expectations = load_expectations(args.stack, parse_overrides(args.set, PROJECT))
        if clients is None:
            options = resolve_options(region=args.region, profile=args.profile, endpoint_url=args.endpoint_url,
                                      retry_mode=args.retry_mode, max_attempts=args.max_attempts,
                                      stack_region=expectations.region)
            clients = Clients(options)
        if not clients.has_credentials():
            raise ValueError("no AWS credentials found in the standard chain (environment, AWS_PROFILE, "
                             "SSO, web identity, instance or container role)")
    except ConfigurationError as exc:
        print(f"error: stack {args.stack}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # botocore ProfileNotFound and friends: a setup problem, not a traceback
        if type(exc).__module__.startswith("botocore"):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        raise

    report = run_audit(expectations, clients, args.only)
    if args.json:
        print(json.dumps(to_json(report), indent=2, default=str))
    else:
        print(render_table(report))
    return EXIT_FINDINGS if report.errors else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
