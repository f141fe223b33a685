"""deploy/k8s rendered by kustomize (built from its Go module by `devstack install --deploy`),
every object validated offline against the Kubernetes schemas (kubernetes-validate ships them),
and held together: Services select Deployments, probes and public paths are served by the app
behind them, every process gets what its compose service (rehearsed in test_compose_rehearsal)
gets, and nothing runs as root or without resources."""

from __future__ import annotations

import ipaddress
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from cryptography.fernet import Fernet
from fastapi import FastAPI
from starlette.routing import Match

from devstack.config import StackConfig
from tests.compose_file import REQUIRED_VARIABLES, ROOT, app_services, compose_config

K8S = ROOT / "deploy/k8s"
TREES = ["base", "overlays/production"]
# The oldest and the newest Kubernetes the manifests are meant for.
KUBERNETES_VERSIONS = ["1.31.0", "1.37.0"]
SECRET = "mobilise-secrets"
Manifest = dict[str, Any]


@cache
def render(tree: str) -> list[Manifest]:
    kustomize = StackConfig.from_env().kustomize_binary
    assert kustomize.exists(), "kustomize is missing: `devstack install --deploy` builds it"
    done = subprocess.run(
        [str(kustomize), "build", str(K8S / tree)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def production(kind: str) -> list[Manifest]:
    return [doc for doc in render("overlays/production") if doc["kind"] == kind]


def workloads() -> list[Manifest]:
    return production("Deployment") + production("Job") + production("CronJob")


def pod_template(workload: Manifest) -> Manifest:
    spec = workload["spec"]
    template: Manifest = (spec["jobTemplate"]["spec"] if "jobTemplate" in spec else spec)[
        "template"
    ]
    return template


def container(workload: Manifest) -> Manifest:
    (only,) = pod_template(workload)["spec"]["containers"]
    found: Manifest = only
    return found


def _signup_app() -> FastAPI:
    from signup.entrypoints.api import create_app
    from signup.settings import Settings

    return create_app(Settings(token_keys=Fernet.generate_key().decode(), supporter_key_secret="k"))


def _counter_app() -> FastAPI:
    from counter.entrypoints.api import create_app

    return create_app()


def _mailer_app() -> FastAPI:
    from mailer.entrypoints.api import create_app

    return create_app()


def _console_app() -> FastAPI:
    from console.entrypoints.web import create_app
    from console.settings import Settings

    return create_app(Settings(session_secret="a console session secret"))


# The app each API Deployment runs, built in-process (no lifespan: nothing is connected).
APPS: dict[str, Callable[[], FastAPI]] = {
    "signup-api": _signup_app,
    "counter-api": _counter_app,
    "mailer-api": _mailer_app,
    "console-web": _console_app,
}


def served(process: str, path: str) -> bool:
    """Whether a route of the app takes `path` (whatever the method): Starlette's own matching."""
    scope = {"type": "http", "path": path, "method": "GET", "root_path": "", "headers": []}
    return any(route.matches(scope)[0] != Match.NONE for route in APPS[process]().router.routes)


def served_prefix(process: str, prefix: str) -> bool:
    """Whether some route of the app lies under `prefix`: a documented path, or an undocumented
    page or mount taking the prefix followed by one segment."""
    app = APPS[process]()
    # The console's pages are no part of any OpenAPI document: its routes are.
    documented = [*app.openapi()["paths"], *(getattr(r, "path", "") for r in app.routes)]
    return any(path.startswith(prefix) for path in documented) or served(process, f"{prefix}x")


@pytest.mark.parametrize("tree", TREES)
def test_renders_and_validates_against_the_kubernetes_schemas(tree: str) -> None:
    docs = render(tree)
    assert docs
    for version in KUBERNETES_VERSIONS:
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                name = f"{doc['kind']}/{doc['metadata']['name']}"
                pytest.fail(f"{tree}: {name} is invalid for Kubernetes {version}: {exc}")


def test_every_compose_process_is_a_workload_with_its_command_and_variables() -> None:
    config_maps = {c["metadata"]["name"]: c["data"] for c in production("ConfigMap")}
    compose = {
        s.name: s for s in app_services(compose_config(dict.fromkeys(REQUIRED_VARIABLES, "x")))
    }
    by_name = {w["metadata"]["name"]: w for w in workloads()}
    assert set(by_name) == set(compose)
    for name, workload in by_name.items():
        spec = container(workload)
        if workload["kind"] == "CronJob":
            # Compose has no scheduler: its service is its own schedule (`--every SECONDS`).
            assert compose[name].command[:2] == [*spec["command"], "--every"], name
        else:
            assert spec["command"] == compose[name].command, name
        provided = {e["name"] for e in spec.get("env", [])}
        for source in spec.get("envFrom", []):
            provided |= set(config_maps[source["configMapRef"]["name"]])
        missing = set(compose[name].environment) - provided
        assert not missing, f"{name} lacks {sorted(missing)}"
        for entry in spec.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == SECRET
                assert ref["key"] in (K8S / "README.md").read_text(), f"document {ref['key']}"


def test_no_secret_values_are_committed() -> None:
    for tree in TREES:
        assert not [d for d in render(tree) if d["kind"] == "Secret"]


def test_every_service_selects_a_deployment_port() -> None:
    deployments = production("Deployment")
    for service in production("Service"):
        selector = service["spec"]["selector"]
        chosen = [
            d for d in deployments
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]  # fmt: skip
        assert len(chosen) == 1, service["metadata"]["name"]
        ports = {p["name"] for p in container(chosen[0])["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports


def test_probes_hit_paths_the_app_serves_on_its_port() -> None:
    config_maps = {c["metadata"]["name"]: c["data"] for c in production("ConfigMap")}
    for deployment in production("Deployment"):
        name = deployment["metadata"]["name"]
        spec = container(deployment)
        if name not in APPS:
            assert "ports" not in spec, f"{name} serves no HTTP"
            continue
        assert spec["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert spec["livenessProbe"]["httpGet"]["path"] == "/healthz"
        env = {
            k: v for s in spec["envFrom"] for k, v in config_maps[s["configMapRef"]["name"]].items()
        }
        (port,) = spec["ports"]
        listen = env[f"{name.split('-')[0].upper()}_PORT"]
        assert str(port["containerPort"]) == listen, name
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            get = spec[probe]["httpGet"]
            assert get["port"] == port["name"]
            assert served(name, get["path"]), f"{name} does not serve {get['path']}"


def test_ingress_paths_are_served_by_their_backend() -> None:
    services = {s["metadata"]["name"] for s in production("Service")}
    (ingress,) = production("Ingress")
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]["name"]
            assert backend in services
            ok = (
                served(backend, path["path"])
                if path["pathType"] == "Exact"
                else served_prefix(backend, path["path"])
            )
            assert ok, f"{backend} serves nothing at {path['path']}"


def test_scaling_objects_target_workloads_and_everything_runs_bounded_as_non_root() -> None:
    deployments = {d["metadata"]["name"]: d for d in production("Deployment")}
    autoscaled = {
        h["spec"]["scaleTargetRef"]["name"] for h in production("HorizontalPodAutoscaler")
    }
    assert autoscaled == {"signup-api", "mailer-worker"}
    budgets = {
        b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for b in production("PodDisruptionBudget")
    }
    assert budgets == set(deployments)
    for workload in workloads():
        pod = pod_template(workload)["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        spec = container(workload)
        assert spec["securityContext"]["allowPrivilegeEscalation"] is False
        assert spec["resources"]["requests"]
        assert spec["resources"]["limits"]
    # Consumers beyond the signup topics' partitions would stay idle.
    assert deployments["counter-consumer"]["spec"]["replicas"] <= 6


def test_only_the_apis_take_traffic_from_the_ingress() -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in production("NetworkPolicy")}
    assert policies["default-deny-ingress"]["podSelector"] == {}
    for spec in policies.values():
        for rule in spec.get("ingress", []):
            if any("namespaceSelector" in source for source in rule["from"]):
                assert spec["podSelector"] == {
                    "matchLabels": {"app.kubernetes.io/component": "api"}
                }
    component = "app.kubernetes.io/component"
    apis = {
        d["metadata"]["name"]
        for d in production("Deployment")
        if d["spec"]["template"]["metadata"]["labels"][component] == "api"
    }
    assert apis == set(APPS)


def test_tree_has_no_stray_files() -> None:
    for tree in TREES:
        listed = yaml.safe_load((K8S / tree / "kustomization.yaml").read_text())
        used = {Path(r).name for r in listed.get("resources", [])}
        used |= {p["path"] for p in listed.get("patches", [])}
        files = {p.name for p in (K8S / tree).glob("*.yaml")} - {"kustomization.yaml"}
        assert files <= used, f"{tree}: unused {sorted(files - used)}"


def test_the_signup_service_trusts_the_console_for_its_organisers_addresses() -> None:
    """The console asks for sign-in links on its organisers' behalf: untrusted, every organiser
    would share its limit of links per network (docs/production.md)."""
    from signup.domain.clients import parse_networks

    config = compose_config(dict.fromkeys(REQUIRED_VARIABLES, "x"))
    services = config["services"]
    console = ipaddress.ip_address(services["console-web"]["networks"]["default"]["ipv4_address"])
    (subnet,) = config["networks"]["default"]["ipam"]["config"]
    assert console in ipaddress.ip_network(subnet["subnet"])
    trusted = parse_networks(services["signup-api"]["environment"]["SIGNUP_TRUSTED_PROXIES"])
    assert any(console in network for network in trusted)
    # Kubernetes: the pod network, where the ingress controller's pods and console-web run.
    config_maps = {c["metadata"]["name"]: c["data"] for c in production("ConfigMap")}
    assert parse_networks(config_maps["signup-config"]["SIGNUP_TRUSTED_PROXIES"])
