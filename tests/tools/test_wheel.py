"""The wheel installs cleanly beside a consumer's own ``components/`` and ``policies/`` packages, and its
``scaling-preview`` command previews that consumer's program offline.

The fresh virtualenv gets the wheel with ``--no-deps``; its dependencies (pulumi, pulumi-aws, ...) come
from this test run's environment through a ``.pth`` file, so the test needs no network. The repository
is never on ``sys.path`` there: every import of ours resolves to the installed wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CONSUMER_FILES = {
    "Pulumi.yaml": "name: consumer\nruntime: python\n",
    "Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  consumer:zones: 2\n",
    # The consumer's own packages, named like ours: they must win inside the consumer's program.
    "components/__init__.py": "OWNER = 'consumer'\n",
    "policies/__init__.py": "OWNER = 'consumer'\n",
    "__main__.py": textwrap.dedent("""\
        import pulumi

        import components
        import policies
        from scaling_kit.components.network import Network, NetworkArgs

        assert components.OWNER == policies.OWNER == "consumer", "a consumer package was shadowed"
        zones = pulumi.Config().require_int("zones")
        network = Network("net", NetworkArgs(az_count=zones, nat_gateways="single", environment="dev"))
        pulumi.export("owner", components.OWNER)
        pulumi.export("privateSubnets", len(network.private_subnet_ids))
        """),
}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtualenv with only the wheel installed (dependencies reach it through a .pth file)."""
    work = tmp_path_factory.mktemp("wheel")
    # Build from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info",
                                                                "__pycache__", "tests"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(work / "dist")], check=True, capture_output=True)
    wheel = next((work / "dist").glob("scaling_components-*.whl"))
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    (Path(purelib) / "test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True)
    return env_dir


def _consumer(tmp_path: Path) -> Path:
    for name, text in CONSUMER_FILES.items():
        path = tmp_path / "consumer" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "consumer"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_wheel_has_one_top_level_package(installed):
    top_level = next(installed.glob("lib/python*/site-packages/scaling_components-*.dist-info/top_level.txt"))
    assert top_level.read_text().split() == ["scaling_kit"]


def test_installed_preview_runs_a_consumer_program_with_its_own_components_and_policies(installed, tmp_path):
    consumer = _consumer(tmp_path)
    result = subprocess.run([str(installed / "bin" / "scaling-preview"), "--stack", "dev", "--json"],
                            cwd=consumer, capture_output=True, text=True, env=_clean_env())
    assert result.returncode == 0, result.stderr
    preview = json.loads(result.stdout)
    assert preview["project"] == "consumer"
    assert preview["outputs"] == {"owner": "consumer", "privateSubnets": 2}
    assert preview["counts"]["scaling:network:Network"] == 1
    assert preview["counts"]["aws:ec2/natGateway:NatGateway"] == 1
    # The bundled policy pack ran from the installed copy, with its dev config.
    assert preview["policies"]["pack"] == "scaling-policies"
    assert preview["policies"]["policiesRun"] > 40


def test_importing_one_component_loads_only_the_sdks_it_needs(installed, tmp_path):
    probe = ("import sys; from scaling_kit.components.network import Network; "
             "print(sorted(m for m in ('pulumi_kubernetes', 'pulumi_random', 'pulumi_policy', 'scaling_kit.policies') "
             "if m in sys.modules))")
    result = subprocess.run([str(installed / "bin" / "python"), "-c", probe], cwd=tmp_path,
                            capture_output=True, text=True, env=_clean_env(), check=True)
    assert result.stdout.strip() == "[]"


def test_installed_simulate_runs_the_checkouts_simulator_and_refuses_elsewhere(installed, tmp_path):
    command = str(installed / "bin" / "simulate")
    result = subprocess.run([command, "--stack", "dev", "--load", "examples/load_step.csv", "--json"], cwd=ROOT,
                            capture_output=True, text=True, env=_clean_env())
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ticks"][0]["t"] == 0 and "summary" in report
    elsewhere = subprocess.run([command, "--stack", "dev", "--load", "x.csv"], cwd=tmp_path, capture_output=True,
                               text=True, env=_clean_env())
    assert elsewhere.returncode == 2
    assert "is not a checkout of the scaling project" in elsewhere.stderr
