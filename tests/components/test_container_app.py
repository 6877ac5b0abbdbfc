"""The application container of the EC2 pools: cloud-init script, image pull rights, validation."""

from __future__ import annotations

import dataclasses
import json
import re
import shlex

import pytest

from components.container_app import (
    ContainerApp,
    ecr_repository,
    instance_statements,
    user_data,
    validate_container_app,
)

ECR_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.4.2"
APP = ContainerApp(image=ECR_IMAGE, port=3000, settings_parameter="/scaling/prod/app-settings",
                   args=("--mode", "serve it"))


def test_user_data_runs_the_image_hardened_on_the_port_with_the_settings():
    script = user_data(APP)
    assert script.startswith("#!/bin/bash\n")
    run = next(line for line in script.splitlines() if line.startswith("ExecStart=/usr/bin/docker run"))
    words = shlex.split(run.removeprefix("ExecStart="))
    assert words[-3:] == [ECR_IMAGE, "--mode", "serve it"]
    assert "--publish" in words and words[words.index("--publish") + 1] == "3000:3000"
    assert words[words.index("--env-file") + 1] == "/etc/app/app.env"
    assert "PORT=3000" in words
    assert {"--read-only", "--cap-drop", "--security-opt"} <= set(words)
    assert words[words.index("--user") + 1] == "10001:10001"
    # The settings parameter is read at every start, and the registry login is for that registry only.
    assert "--name /scaling/prod/app-settings" in script
    assert ("aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin "
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com") in script
    assert "systemctl enable --now app.service" in script


def test_public_images_need_no_login_and_no_ecr_rights():
    app = ContainerApp(image="docker.io/hashicorp/http-echo:1.0", port=3000,
                       settings_parameter="/scaling/dev/app-settings", args=("-listen=:3000",))
    assert "docker login" not in user_data(app)
    assert ecr_repository(app.image) is None
    statements = instance_statements(app, "aws", "us-east-1", "111122223333")
    assert statements == [{"Sid": "ReadAppSettings", "Effect": "Allow", "Action": ["ssm:GetParameter"],
                           "Resource": "arn:aws:ssm:us-east-1:111122223333:parameter/scaling/dev/app-settings"}]


def test_ecr_images_grant_pull_on_their_repository_only():
    statements = {s["Sid"]: s for s in instance_statements(APP, "aws", "eu-west-1", "123456789012")}
    assert set(statements) == {"ReadAppSettings", "EcrLogin", "PullAppImage"}
    assert statements["PullAppImage"]["Resource"] == "arn:aws:ecr:eu-west-1:123456789012:repository/team/api"
    # GetAuthorizationToken is the one ECR action without resource-level permissions.
    assert statements["EcrLogin"] == {"Sid": "EcrLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"],
                                      "Resource": "*"}


@pytest.mark.parametrize("image, repository", [
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + "a" * 64, "app"),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/a/b/c:v1", "a/b/c"),
    ("public.ecr.aws/nginx/nginx:1.27", None),
])
def test_ecr_repository_parsing(image, repository):
    parsed = ecr_repository(image)
    assert (parsed.name if parsed else None) == repository


@pytest.mark.parametrize("change, message", [
    (dict(image="Not An Image"), r"container\.image: 'Not An Image' is not an image reference"),
    (dict(port=0), r"container\.port: 0 is out of range; expected 1 to 65535"),
    (dict(port="3000"), r"container\.port: '3000' is out of range"),
    (dict(settings_parameter="app-settings"), r"container\.settings_parameter: 'app-settings' is not an SSM"),
    (dict(args=("a\nb",)), r"container\.args: \['a\\nb'\] are not single-line strings"),
])
def test_bad_container_arguments_name_the_field(change, message):
    import dataclasses
    with pytest.raises(ValueError, match=message):
        validate_container_app(dataclasses.replace(APP, **change))


def test_script_is_valid_bash():
    import subprocess
    result = subprocess.run(["bash", "-n"], input=user_data(APP), text=True, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^ExecStartPre=/usr/local/bin/app-prepare$", user_data(APP), re.M)


# ---------------------------------------------------------------- TLS sidecar (issue 17.2)

TLS_APP = dataclasses.replace(APP, tls=True, request_timeout_seconds=45)


def _unit(script: str, name: str) -> str:
    return script.split(f"cat > /etc/systemd/system/{name}.service <<'UNIT'\n", 1)[1].split("\nUNIT\n", 1)[0]


def test_tls_publishes_only_the_sidecar_which_terminates_tls_in_the_app_network_namespace():
    script = user_data(TLS_APP)
    app_run = shlex.split(next(line for line in _unit(script, "app").splitlines()
                               if line.startswith("ExecStart=")).removeprefix("ExecStart="))
    # The host's app port leads to the sidecar (8080); the app's own port is not published at all.
    assert app_run[app_run.index("--publish") + 1] == "3000:8080" and app_run.count("--publish") == 1
    assert "Wants=app-tls.service" in _unit(script, "app")
    tls_unit = _unit(script, "app-tls")
    assert "BindsTo=app.service" in tls_unit and "After=docker.service app.service" in tls_unit
    run = shlex.split(next(line for line in tls_unit.splitlines() if line.startswith("ExecStart=")).removeprefix(
        "ExecStart="))
    assert run[run.index("--network") + 1] == "container:app"
    assert {"--read-only", "--cap-drop", "--security-opt"} <= set(run) and run[run.index("--user") + 1] == "10001:10001"
    assert "/etc/app/tls:/etc/envoy-tls:ro" in run and "docker.io/envoyproxy/envoy:distroless-v1.34.1" in run
    envoy = json.loads(script.split("cat > /etc/app/envoy.json <<'ENVOY'\n", 1)[1].split("\nENVOY\n", 1)[0])
    ingress = envoy["static_resources"]["listeners"][0]
    assert ingress["address"]["socket_address"]["port_value"] == 8080 and "transport_socket" in ingress["filter_chains"][0]
    assert envoy["static_resources"]["clusters"][0]["load_assignment"]["endpoints"][0]["lb_endpoints"][0][
        "endpoint"]["address"]["socket_address"] == {"address": "127.0.0.1", "port_value": 3000}
    assert ingress["filter_chains"][0]["filters"][0]["typed_config"]["route_config"]["virtual_hosts"][0]["routes"][0][
        "route"]["timeout"] == "45s"


def test_tls_certificate_is_created_at_every_start_with_openssl_on_the_host():
    script = user_data(TLS_APP)
    assert script.splitlines()[3] == "dnf install -y docker jq openssl"
    prepare = script.split("<<'TLSPREPARE'\n", 1)[1].split("\nTLSPREPARE\n", 1)[0]
    assert ('openssl req -x509 -newkey rsa:2048 -nodes -days 397 -subj "/CN=$(hostname)" '
            "-keyout /etc/app/tls/tls.key -out /etc/app/tls/tls.crt") in prepare
    assert "umask 077" in prepare and "chown 10001:10001 /etc/app/tls/tls.key" in prepare
    assert re.search(r"^ExecStartPre=/usr/local/bin/app-tls-prepare$", _unit(script, "app-tls"), re.M)


def test_without_tls_nothing_of_the_sidecar_is_rendered():
    script = user_data(APP)
    assert "app-tls" not in script and "openssl" not in script and "envoy" not in script


def test_tls_script_is_valid_bash():
    import subprocess
    result = subprocess.run(["bash", "-n"], input=user_data(TLS_APP), text=True, capture_output=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("change, message", [
    (dict(port=8080), r"container\.port: 8080 is the port of the TLS sidecar"),
    (dict(port=9901), r"container\.port: 9901 is the port of the TLS sidecar's admin interface"),
    (dict(proxy_image="bad image"), r"container\.proxy_image: 'bad image' is not an image reference"),
    (dict(request_timeout_seconds=0), r"container\.request_timeout_seconds: 0 is out of range"),
])
def test_bad_tls_arguments_name_the_field(change, message):
    with pytest.raises(ValueError, match=message):
        validate_container_app(dataclasses.replace(TLS_APP, **change))
    validate_container_app(dataclasses.replace(APP, **change))  # only TLS reserves them
