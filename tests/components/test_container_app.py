"""The application container of the EC2 pools: cloud-init script, image pull rights, validation."""

from __future__ import annotations

import re
import shlex

import pytest

from components.container_app import (ContainerApp, ecr_repository, instance_statements, user_data,
                                      validate_container_app)

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
