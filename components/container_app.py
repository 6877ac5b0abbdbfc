"""The application container as EC2 instances run it: plain data, the cloud-init script, and the rights
the instance role needs to start it.

Pure Python (no Pulumi resources), shared by the Auto Scaling group (which renders the user data and
grants the rights) and the tests. The settings are not baked into the user data: at every start the
instance reads them from one SSM parameter that the stack writes once the data tier exists, the same
values the EKS workload's ConfigMap carries. That keeps the launch template (and with it the instance
refresh) independent of endpoints that only exist after the data tier is deployed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Optional

from .validation import ArgumentError

# <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]
_ECR_IMAGE = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[a-z0-9._/-]+?)(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?")
_IMAGE = re.compile(r"[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?")
_PARAMETER_NAME = re.compile(r"(/[a-zA-Z0-9_.-]+){1,15}")
# The container runs as this unprivileged UID, as the EKS workload does.
CONTAINER_USER = 10001
SERVICE_NAME = "app"


@dataclass(frozen=True)
class ContainerApp:
    """The application container an instance runs."""

    image: str
    """Image reference (registry/repository:tag or @sha256:digest). Required."""
    port: int
    """Port the application listens on (published on the same host port). Required."""
    settings_parameter: str
    """Name of the SSM String parameter holding the settings as a JSON object (``/project/stack/app``);
    each key becomes an environment variable. Required."""
    args: tuple[str, ...] = ()
    """Arguments to the image's entrypoint. Defaults to none."""


@dataclass(frozen=True)
class EcrRepository:
    account: str
    region: str
    name: str

    @property
    def registry(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com"

    def arn(self, partition: str = "aws") -> str:
        return f"arn:{partition}:ecr:{self.region}:{self.account}:repository/{self.name}"


def ecr_repository(image: str) -> Optional[EcrRepository]:
    """The private ECR repository an image comes from, or None for any other registry."""
    match = _ECR_IMAGE.fullmatch(image)
    return EcrRepository(match["account"], match["region"], match["repository"]) if match else None


def validate_container_app(app: ContainerApp) -> None:
    """Raise ``ArgumentError`` (a ``ValueError``) naming the field, its value and what is allowed."""
    if not isinstance(app.image, str) or not _IMAGE.fullmatch(app.image):
        raise ArgumentError("container.image", f"{app.image!r} is not an image reference such as "
                            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.4.2", value=app.image)
    if isinstance(app.port, bool) or not isinstance(app.port, int) or not 1 <= app.port <= 65535:
        raise ArgumentError("container.port", f"{app.port!r} is out of range; expected 1 to 65535", value=app.port)
    if not isinstance(app.settings_parameter, str) or not _PARAMETER_NAME.fullmatch(app.settings_parameter):
        raise ArgumentError("container.settings_parameter", f"{app.settings_parameter!r} is not an SSM parameter "
                            "path such as /project/stack/app", value=app.settings_parameter)
    bad = [a for a in app.args if not isinstance(a, str) or "\n" in a]
    if bad:
        raise ArgumentError("container.args", f"{bad!r} are not single-line strings", value=app.args)


def user_data(app: ContainerApp) -> str:
    """The cloud-init shell script: Docker from the Amazon Linux 2023 repositories, and a systemd unit that
    (re)reads the settings, logs in to ECR when the image is there, and runs the container hardened."""
    validate_container_app(app)
    repository = ecr_repository(app.image)
    login = (f"aws ecr get-login-password --region {repository.region} | "
             f"docker login --username AWS --password-stdin {repository.registry}" if repository else
             "true  # public registry: no login")
    run = " ".join([
        "/usr/bin/docker run --rm --name", SERVICE_NAME,
        # Nothing of the host: no root, no capabilities, a read-only image with a scratch /tmp.
        f"--user {CONTAINER_USER}:{CONTAINER_USER} --read-only --tmpfs /tmp:rw,noexec,nosuid,size=256m",
        "--cap-drop ALL --security-opt no-new-privileges",
        f"--publish {app.port}:{app.port} --env-file /etc/app/app.env --env PORT={app.port}",
        "--log-driver journald", shlex.quote(app.image), *map(shlex.quote, app.args)])
    return f"""#!/bin/bash
# Rendered by components/container_app.py: runs {app.image} on port {app.port}.
set -euo pipefail
dnf install -y docker jq
install -d -m 0750 /etc/app
cat > /usr/local/bin/app-prepare <<'PREPARE'
#!/bin/bash
# Settings as the EKS workload's ConfigMap carries them, from one SSM parameter (read at every start).
set -euo pipefail
TOKEN=$(curl -sfX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
REGION=$(curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/placement/region)
aws ssm get-parameter --region "$REGION" --name {shlex.quote(app.settings_parameter)} \\
  --query Parameter.Value --output text | jq -r 'to_entries[] | "\\(.key)=\\(.value)"' > /etc/app/app.env.new
mv /etc/app/app.env.new /etc/app/app.env
{login}
/usr/bin/docker pull {shlex.quote(app.image)}
PREPARE
chmod 0755 /usr/local/bin/app-prepare
cat > /etc/systemd/system/{SERVICE_NAME}.service <<'UNIT'
[Unit]
Description=Application container ({app.image})
Requires=docker.service
After=docker.service network-online.target
Wants=network-online.target

[Service]
Restart=always
RestartSec=5
TimeoutStartSec=600
ExecStartPre=-/usr/bin/docker rm -f {SERVICE_NAME}
ExecStartPre=/usr/local/bin/app-prepare
ExecStart={run}
ExecStop=/usr/bin/docker stop --time 30 {SERVICE_NAME}

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now docker
systemctl enable --now {SERVICE_NAME}.service
"""


def instance_statements(app: ContainerApp, partition: str, region: str, account: str) -> list[dict]:
    """IAM statements the instance role needs to start ``app``: read its settings parameter and, for an
    ECR image, pull from that one repository (GetAuthorizationToken supports no resource: AWS requires *)."""
    statements: list[dict] = [{
        "Sid": "ReadAppSettings", "Effect": "Allow", "Action": ["ssm:GetParameter"],
        "Resource": f"arn:{partition}:ssm:{region}:{account}:parameter{app.settings_parameter}"}]
    repository = ecr_repository(app.image)
    if repository:
        statements += [
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {"Sid": "PullAppImage", "Effect": "Allow",
             "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
             "Resource": repository.arn(partition)}]
    return statements
