"""The Python half of deploy/check (run by it, in its venv).

    check.py k8s RENDERED.yaml VERSION...   validate every object, strictly
    check.py compose docker-compose.yml     check the default and each profile
"""

import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import yaml

# The database each profile's Portcullis instances must use (None: no profile).
# A new profile needs a line here.
EXPECTED_SCHEME = {None: "postgres", "mariadb": "mysql"}
SCHEMES = {"sqlite", "postgres", "postgresql", "mysql"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
PORT = re.compile(
    r"^(?:(?P<ip>[0-9.]+|\[[0-9a-fA-F:]+\]):)?"
    r"(?:(?P<host>\d+(?:-\d+)?):)?(?P<container>\d+(?:-\d+)?)(?:/(?:tcp|udp|sctp))?$"
)


def main():
    kind, *args = sys.argv[1:]
    errors = {"k8s": check_k8s, "compose": check_compose}[kind](*args)
    for error in errors:
        print(f"FAIL {kind:8} {error}", file=sys.stderr)
    sys.exit(1 if errors else 0)


def check_k8s(rendered, *versions):
    import kubernetes_validate

    objects = [o for o in yaml.safe_load_all(Path(rendered).read_text()) if o]
    errors = [] if objects else [f"{rendered}: no objects"]
    for obj in objects:
        name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        for version in versions:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                errors.append(f"{name} (Kubernetes {version}): {path}: {e.message}")
            except Exception as e:  # no schema for the kind, unknown version
                errors.append(f"{name} (Kubernetes {version}): {e}")
    if not errors:
        kinds = ", ".join(sorted({o["kind"] for o in objects}))
        print(f"ok   k8s      {len(objects)} objects ({kinds}) valid against "
              f"Kubernetes {', '.join(versions)} (strict)")
    return errors


def as_list(value):
    """A compose list-or-mapping (depends_on, networks) as its names."""
    return list(value or [])


def environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def check_compose(path):
    path = Path(path)
    doc = yaml.safe_load(path.read_text())  # resolves anchors and << merges
    services = doc.get("services") or {}
    profiles = sorted({p for s in services.values() for p in s.get("profiles", [])})
    errors = [f"profile {p}: no expected database in deploy/check.py"
              for p in profiles if p not in EXPECTED_SCHEME]
    errors += [f"no profile {p}" for p in EXPECTED_SCHEME if p and p not in profiles]
    for profile in [None, *profiles]:
        enabled = {name: s for name, s in services.items()
                   if not s.get("profiles") or profile in s["profiles"]}
        label = f"profile {profile}" if profile else "default"
        found = check_profile(path, doc, enabled, profile)
        errors += [f"{label}: {e}" for e in found]
        if not found:
            schemes = Counter(environment(s)["PORTCULLIS_DATABASE_URL"].split(":")[0]
                              for s in enabled.values() if runs_portcullis(s))
            runs = ", ".join(f"{n} on {scheme}" for scheme, n in sorted(schemes.items()))
            print(f"ok   compose  {label}: {len(enabled)} services; Portcullis: {runs}")
    return errors


def runs_portcullis(service):
    return str(service.get("image", "")).startswith("portcullis:") or "build" in service


def networks_of(service):
    return as_list(service.get("networks")) or ["default"]


def resolver(enabled):
    """Host name -> the services it names, per network (service names and aliases)."""
    names = {}
    for name, service in enabled.items():
        nets = service.get("networks")
        for net in networks_of(service):
            aliases = (nets[net] or {}).get("aliases", []) if isinstance(nets, dict) else []
            for host in [name, *aliases]:
                names.setdefault((net, host), set()).add(name)

    def resolve(service, host):
        found = set().union(*(names.get((net, host), set()) for net in networks_of(service)))
        if not found:
            return f"{host} is no service on its networks {networks_of(service)}"
        if len(found) > 1:
            return f"{host} is ambiguous: {sorted(found)}"
        return None

    return resolve


def check_profile(path, doc, enabled, profile):
    errors = []
    resolve = resolver(enabled)
    published = {}
    for name, s in enabled.items():
        def error(message):
            errors.append(f"{name}: {message}")

        if "image" not in s and "build" not in s:
            error("neither image nor build")
        if "build" in s:
            build = s["build"] if isinstance(s["build"], dict) else {"context": s["build"]}
            context = path.parent / build.get("context", ".")
            if not (context / build.get("dockerfile", "Dockerfile")).is_file():
                error(f"no Dockerfile {build.get('dockerfile', 'Dockerfile')} in {context}")

        depends_on = s.get("depends_on") or {}
        for dep in as_list(depends_on):
            if dep not in enabled:
                error(f"depends on {dep}, which is "
                      + ("not in this profile" if dep in doc["services"] else "not defined"))
                continue
            condition = depends_on[dep].get("condition") if isinstance(depends_on, dict) else None
            if condition and condition not in CONDITIONS:
                error(f"depends on {dep}: unknown condition {condition}")
            if condition == "service_healthy" and "healthcheck" not in enabled[dep]:
                error(f"waits for {dep} to be healthy, but it has no healthcheck")

        for port in s.get("ports", []):
            if isinstance(port, dict):
                target, host = port.get("target"), port.get("published")
                ok = isinstance(target, int) and 0 < target < 65536
            else:
                m = PORT.match(str(port))
                ok = bool(m) and all(0 < int(n) < 65536 for n in re.findall(r"\d+", (
                    m["host"] or "") + "-" + m["container"]))
                host = m and m["host"]
            if not ok:
                error(f"malformed port {port!r}")
            elif host:
                host = str(host)
                if host in published:
                    error(f"host port {host} is also published by {published[host]}")
                published[host] = name

        for net in networks_of(s):
            if net != "default" and net not in (doc.get("networks") or {}):
                error(f"network {net} is not declared")
        for volume in s.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source")
            if source and source[0] in "./~":
                if not (path.parent / source).exists():
                    error(f"bind mount {source} does not exist")
            elif source and source not in (doc.get("volumes") or {}):
                error(f"volume {source} is not declared")
            conf = path.parent / (source or "")
            if "/etc/nginx/" in str(volume) and source and source[0] in "./" and conf.is_file():
                conf = conf.read_text()
                upstreams = "".join(re.findall(r"\bupstream\s+\S+\s*\{([^}]*)\}", conf))
                for host in re.findall(r"^\s*server\s+([^\s:;]+)", upstreams, re.M):
                    if problem := resolve(s, host):
                        error(f"nginx upstream {problem}")

        env = environment(s)
        for key in ("PORTCULLIS_DATABASE_URL", "PORTCULLIS_REDIS_URL"):
            for url in str(env.get(key) or "").split(","):
                host = urlsplit(url.strip()).hostname
                if host and (problem := resolve(s, host)):
                    error(f"{key}: {problem}")
        if runs_portcullis(s):
            scheme = str(env.get("PORTCULLIS_DATABASE_URL", "")).split(":", 1)[0]
            if scheme not in SCHEMES:
                error(f"PORTCULLIS_DATABASE_URL: scheme {scheme!r} is none of {sorted(SCHEMES)}")
            expected = EXPECTED_SCHEME.get(profile if profile in s.get("profiles", []) else None)
            if expected and {"postgresql": "postgres"}.get(scheme, scheme) != expected:
                error(f"PORTCULLIS_DATABASE_URL: {scheme}, but this profile runs on {expected}")
    return errors


if __name__ == "__main__":
    main()
