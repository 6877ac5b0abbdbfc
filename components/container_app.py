"""The application container as EC2 instances run it: plain data, the cloud-init script, and the rights
the instance role needs to start it.

Pure Python (no Pulumi resources), shared by the Auto Scaling group (which renders the user data and
grants the rights) and the tests. The settings are not baked into the user data: at every start the
instance reads them from one SSM parameter that the stack writes once the data tier exists, the same
values the EKS workload's ConfigMap carries. That keeps the launch template (and with it the instance
refresh) independent of endpoints that only exist after the data tier is deployed.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Optional

from . import request_proxy
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
# With TLS: the Envoy sidecar that terminates it, in the app container's network namespace.
TLS_SERVICE_NAME = "app-tls"
TLS_HOST_DIR = "/etc/app/tls"


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
    tls: bool = False
    """Serve TLS on ``port`` (for an HTTPS target group): an Envoy sidecar in the app container's network
    namespace terminates it with a self-signed certificate created at boot and forwards to the app on
    localhost; the app's plain port is then not published on the host at all. Defaults to False."""
    proxy_image: str = request_proxy.PROXY_IMAGE
    """Image of the TLS sidecar (Envoy). Defaults to ``docker.io/envoyproxy/envoy:distroless-v1.34.1``."""
    request_timeout_seconds: int = 60
    """With ``tls``: upper bound of one request and of an idle connection at the sidecar, 1 to 4000 s. Defaults
    to 60 (the design's proxy timeouts)."""


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
    if app.tls:
        if not isinstance(app.proxy_image, str) or not _IMAGE.fullmatch(app.proxy_image):
            raise ArgumentError("container.proxy_image", f"{app.proxy_image!r} is not an image reference such as "
                                f"{request_proxy.PROXY_IMAGE}", value=app.proxy_image)
        timeout = app.request_timeout_seconds
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 4000:
            raise ArgumentError("container.request_timeout_seconds", f"{timeout!r} is out of range; expected 1 to 4000 "
                                "(the load balancer's idle timeout range)", value=timeout)
        taken = {request_proxy.PROXY_PORT: "the TLS sidecar", request_proxy.METRICS_PORT: "the TLS sidecar's metrics",
                 request_proxy.ADMIN_PORT: "the TLS sidecar's admin interface"}
        if app.port in taken:
            raise ArgumentError("container.port", f"{app.port} is the port of {taken[app.port]} in the same network "
                                "namespace; expected another port", value=app.port)


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
        # With TLS only the sidecar's port is published (on the app's port): nothing reaches the app in clear.
        f"--publish {app.port}:{request_proxy.PROXY_PORT if app.tls else app.port} --env-file /etc/app/app.env "
        f"--env PORT={app.port}",
        "--log-driver journald", shlex.quote(app.image), *map(shlex.quote, app.args)])
    tls = _tls_sidecar(app) if app.tls else ""
    return f"""#!/bin/bash
# Rendered by components/container_app.py: runs {app.image} on port {app.port}.
set -euo pipefail
dnf install -y docker jq{" openssl" if app.tls else ""}
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
Wants=network-online.target{chr(10) + "Wants=" + TLS_SERVICE_NAME + ".service" if app.tls else ""}

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
{tls}systemctl daemon-reload
systemctl enable --now docker
systemctl enable --now {SERVICE_NAME}.service
"""


def _tls_sidecar(app: ContainerApp) -> str:
    """The part of the boot script that adds TLS: Envoy's configuration, the script that creates the instance's
    self-signed certificate, and the systemd unit that runs Envoy in the app container's network namespace
    (it listens on the proxy port, which the app container publishes as the app's port)."""
    envoy = json.dumps(request_proxy.proxy_config(app.port, app.request_timeout_seconds, tls=True), sort_keys=True)
    # The instance's own host name as the subject, expanded by the shell when the script runs.
    certificate = " ".join('"/CN=$(hostname)"' if a == "/CN=HOST" else shlex.quote(a)
                           for a in request_proxy.self_signed_certificate_args("HOST", TLS_HOST_DIR))
    run = " ".join([
        "/usr/bin/docker run --rm --name", TLS_SERVICE_NAME, f"--network container:{SERVICE_NAME}",
        f"--user {CONTAINER_USER}:{CONTAINER_USER} --read-only --cap-drop ALL --security-opt no-new-privileges",
        f"--volume {TLS_HOST_DIR}:{request_proxy.TLS_DIR}:ro --volume /etc/app/envoy.json:/etc/envoy/envoy.json:ro",
        "--log-driver journald", shlex.quote(app.proxy_image),
        "-c /etc/envoy/envoy.json --disable-hot-restart --log-level warn"])
    tls_files = f"{TLS_HOST_DIR}/{request_proxy.TLS_KEY_FILE} {TLS_HOST_DIR}/{request_proxy.TLS_CERTIFICATE_FILE}"
    return f"""cat > /etc/app/envoy.json <<'ENVOY'
{envoy}
ENVOY
cat > /usr/local/bin/app-tls-prepare <<'TLSPREPARE'
#!/bin/bash
# A new key and self-signed certificate at every start: the load balancer does not validate target
# certificates (docs/application.md), so nothing needs to trust this one; it only encrypts the hop.
set -euo pipefail
install -d -m 0750 -o root -g {CONTAINER_USER} {TLS_HOST_DIR}
umask 077
openssl {certificate} 2>/dev/null
chown {CONTAINER_USER}:{CONTAINER_USER} {tls_files}
# Envoy joins the app container's network namespace: wait until that container runs.
for _ in $(seq 60); do
  [ "$(docker inspect -f '{{{{.State.Running}}}}' {SERVICE_NAME} 2>/dev/null)" = true ] && exit 0
  sleep 2
done
echo "container {SERVICE_NAME} is not running" >&2
exit 1
TLSPREPARE
chmod 0755 /usr/local/bin/app-tls-prepare
cat > /etc/systemd/system/{TLS_SERVICE_NAME}.service <<'UNIT'
[Unit]
Description=TLS for the application container ({app.proxy_image})
Requires=docker.service
After=docker.service {SERVICE_NAME}.service
# Bound to the app container: its network namespace goes when it restarts; {SERVICE_NAME}.service wants this
# unit back each time it starts.
BindsTo={SERVICE_NAME}.service

[Service]
Restart=always
RestartSec=5
TimeoutStartSec=300
ExecStartPre=-/usr/bin/docker rm -f {TLS_SERVICE_NAME}
ExecStartPre=/usr/local/bin/app-tls-prepare
ExecStart={run}
ExecStop=/usr/bin/docker stop --time 30 {TLS_SERVICE_NAME}

[Install]
WantedBy=multi-user.target
UNIT
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
