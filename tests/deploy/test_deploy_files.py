"""deploy/compose.yaml and deploy/k8s/* against the code (issue 17, point 4): the images they run, the probes they
ask, the commands they start and every ``REDPROP_*`` name they set exist in ``core.settings.Settings`` and the CLI.
No cluster, no Docker: the files are parsed."""

from __future__ import annotations

import pathlib

import yaml

from core.cli import main
from core.settings import declared_variables, load_settings

DEPLOY = pathlib.Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"
GRACE = load_settings({}).shutdown_grace_seconds


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _manifests() -> list[dict]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    docs = []
    for resource in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / resource).read_text(encoding="utf-8")) if d]
    return docs


def _is_command(argv: list[str]) -> bool:
    """``["redprop", "db", "upgrade", "--x"]`` names a command of the CLI."""
    assert argv[0] == "redprop", argv
    group = main
    for word in argv[1:]:
        if word.startswith("-"):
            break
        found = group.commands.get(word) if hasattr(group, "commands") else None
        if found is None:
            return False
        group = found
    return group is not main


def test_compose_runs_the_image_with_known_settings_and_commands():
    compose = _compose()
    services = compose["services"]
    for name in ("migrate", "app", "worker"):
        service = services[name]
        assert service["image"] == "redprop:local" and service["build"]["dockerfile"] == "deploy/Dockerfile", name
        unknown = sorted(k for k in service["environment"] if k.startswith("REDPROP_") and k not in declared_variables())
        assert unknown == [], f"{name}: {unknown} are not Settings fields"
        if "command" in service:
            assert _is_command(service["command"]), service["command"]
    assert services["migrate"]["command"] == ["redprop", "db", "upgrade"]
    assert services["app"]["environment"]["REDPROP_ENV"] == "production"
    for required in (
        "REDPROP_DATABASE_URL",
        "REDPROP_CROSS_SCOPE_DATABASE_URL",
        "REDPROP_SECRET_KEY",
        "REDPROP_DATA_KEY",
        "REDPROP_BROKER_URL",
    ):
        assert required in services["app"]["environment"], required
    # the app's probe is the image's HEALTHCHECK on /healthz; the worker serves no port and turns it off
    assert "/healthz" in (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert services["worker"]["healthcheck"] == {"disable": True}
    grace = int(services["worker"]["environment"].get("REDPROP_SHUTDOWN_GRACE_SECONDS", GRACE))
    assert int(services["worker"]["stop_grace_period"].rstrip("s")) > grace  # SIGKILL comes after the drain


def test_kubernetes_manifests_run_the_image_with_probes_and_known_settings():
    docs = _manifests()
    kinds = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert [i["name"] for i in kustomization["images"]] == ["redprop"]
    config = kinds[("ConfigMap", "redprop-config")]["data"]
    secrets = {name: set(d.get("stringData", {})) for (kind, name), d in kinds.items() if kind == "Secret"}
    names = set(k for k in config if k.startswith("REDPROP_"))
    workloads = [d for d in docs if d["kind"] in ("Deployment", "Job")]
    assert {d["metadata"]["name"] for d in workloads} == {"redprop-app", "redprop-worker", "redprop-migrate"}
    for workload in workloads:
        spec = workload["spec"]["template"]["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            label = f"{workload['metadata']['name']}/{container['name']}"
            assert container["image"] == "redprop", label  # the tag comes from kustomization's images
            assert _is_command(container["command"]), label
            for env in container.get("env", []):
                names.add(env["name"])
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]], f"{label}: secret {ref['name']} has no {ref['key']}"
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] == "redprop-config", label
    unknown = sorted(n for n in names if n.startswith("REDPROP_") and n not in declared_variables())
    assert unknown == [], f"{unknown} are not Settings fields"
    app = kinds[("Deployment", "redprop-app")]["spec"]["template"]["spec"]
    (server,) = app["containers"]
    assert server["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert server["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert server["startupProbe"]["httpGet"]["path"] == "/healthz"
    port = next(p for p in server["ports"] if p["name"] == server["readinessProbe"]["httpGet"]["port"])
    assert str(port["containerPort"]) in server["command"]
    grace = int(config.get("REDPROP_SHUTDOWN_GRACE_SECONDS", GRACE))
    pre_stop = int(server["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert app["terminationGracePeriodSeconds"] > pre_stop + grace, "Kubernetes would kill requests still draining"
    worker = kinds[("Deployment", "redprop-worker")]["spec"]["template"]["spec"]
    assert worker["terminationGracePeriodSeconds"] > grace
    assert {"REDPROP_DB_POOL_SIZE", "REDPROP_DB_STATEMENT_TIMEOUT_MS", "REDPROP_SHUTDOWN_GRACE_SECONDS"} <= set(config)


async def test_the_probes_the_manifests_name_are_served(client):
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
