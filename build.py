#!/usr/bin/env python3
"""Build every plugin: a shiv zipapp, a krew archive and a krew manifest per plugin, into dist/.

    python build.py            # all plugins
    python build.py crs logs   # some of them

dist/kubectl-mig_<name>       executable zipapp (krew maps plugin mig-<name> to this file)
dist/kubectl_complete-mig_<name>, dist/oc_complete-mig_<name>
                              shell completion executables as kubectl 1.26+ and oc look them up
dist/mig-<name>.tar.gz        krew archive (the zipapp, the completion executables, LICENSE),
                              byte-reproducible: fixed gzip header (no name, mtime 0), sorted entries
dist/krew/mig-<name>.yaml     krew manifest from krew/mig-<name>.yaml with the real sha256
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"

# The one list of plugins: name -> entry module in plugins/.
PLUGINS = {
    "crs": "plugins.mig_crs",
    "logs": "plugins.mig_logs",
    "verify": "plugins.mig_verify",
    "rollback": "plugins.mig_rollback",
    "gather": "plugins.mig_gather",
}

# Byte-compile on first run (at extraction, for whatever python3 runs it): with
# PYTHONDONTWRITEBYTECODE=1 set, as on many machines, a zipapp without .pyc recompiles every
# module on every run (0.36 s warm instead of 0.22 s); the cost is a one-off 0.4 s at extraction.
COMPILE_PYC = True

# The oldest Python the zipapps support; dependencies are resolved for it (wheels only).
MIN_PYTHON = "3.9"
# PyYAML's C extension (libyaml) parses and writes YAML ~10x faster than its pure-Python fallback
# (mig-gather writes thousands of objects). Wheels are per CPython version, so the zipapp carries
# the extension built for each of these beside MIN_PYTHON's; each interpreter loads its own and
# the others cost only archive size (~0.8 MB each, compressed), nothing at start-up.
YAML_EXT_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
INTERPRETER = "/usr/bin/env python3"

# Parts of the kubernetes package we never import (lib/kubeapi.py loads only the transport
# and the kubeconfig loader): 36 MB of generated APIs and models, dropped from every zipapp.
PRUNE = [
    "kubernetes/client/api", "kubernetes/client/models", "kubernetes/dynamic", "kubernetes/watch",
    "kubernetes/stream", "kubernetes/utils", "kubernetes/leaderelection", "kubernetes/e2e_test",
    "kubernetes/test", "bin",
    # websocket-client serves only kubernetes/stream (pruned above); tzdata (627 files that zipimport
    # lists at every start) only dateutil's time zones by name, which nothing we run asks for (the
    # parser is never called: lib/kubeapi.py), and zoneinfo falls back to the system's database.
    "websocket", "tzdata",
]


def version() -> str:
    ns: dict = {}
    exec((ROOT / "lib" / "__init__.py").read_text(), ns)
    return ns["__version__"]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def site_packages() -> Path:
    """Runtime dependencies installed once per requirements.txt content, for MIN_PYTHON."""
    req = ROOT / "requirements.txt"
    key = hashlib.sha256(req.read_bytes() + MIN_PYTHON.encode() + repr(PRUNE).encode()
                         + repr(YAML_EXT_PYTHONS).encode()).hexdigest()[:12]
    site = BUILD / f"site-{key}"
    if (site / ".complete").exists():
        return site
    shutil.rmtree(site, ignore_errors=True)
    tmp = BUILD / f"site-{key}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--no-compile", "--target", str(tmp), "--python-version", MIN_PYTHON,
                    "--only-binary=:all:", "-r", str(req)], check=True)
    for rel in PRUNE:
        shutil.rmtree(tmp / rel, ignore_errors=True)
    add_yaml_extensions(tmp)
    for cache in tmp.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    (tmp / ".complete").touch()
    tmp.rename(site)
    return site


def add_yaml_extensions(site: Path) -> None:
    """Copy yaml/_yaml.cpython-3XX-*.so of the same PyYAML release for each YAML_EXT_PYTHONS."""
    info = next(site.glob("[Pp]y[Yy][Aa][Mm][Ll]-*.dist-info"), None)
    if info is None:
        return
    version = info.name[len("PyYAML-"):-len(".dist-info")]
    wheels = BUILD / f"pyyaml-{version}-wheels"
    for py in YAML_EXT_PYTHONS:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--only-binary=:all:", "--python-version", py, "-d", str(wheels),
                        f"PyYAML=={version}"], check=True)
    for whl in wheels.glob("*.whl"):
        with zipfile.ZipFile(whl) as z:
            for name in z.namelist():
                if name.startswith("yaml/_yaml.") and name.endswith(".so"):
                    (site / name).write_bytes(z.read(name))


def stage_sources(name: str, module: str) -> Path:
    """lib/ and this plugin's entry module only: a zipapp carries no other plugin."""
    src = BUILD / f"src-{name}"
    shutil.rmtree(src, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "zipapp_main.py")
    shutil.copytree(ROOT / "lib", src / "lib", ignore=ignore)
    (src / "plugins").mkdir(parents=True)
    shutil.copy2(ROOT / "plugins" / "__init__.py", src / "plugins" / "__init__.py")
    mod_file = module.rsplit(".", maxsplit=1)[-1] + ".py"
    shutil.copy2(ROOT / "plugins" / mod_file, src / "plugins" / mod_file)
    return src


# No shiv --no-modify: it hashes every unpacked .py file (344) on every run, ~35 ms of each start-up,
# to detect edits of ~/.shiv that whoever can make them could as well make to the zipapp itself.
def zipapp(name: str, module: str, site: Path, dist: Path = DIST) -> Path:
    out = dist / f"kubectl-mig_{name}"
    src = stage_sources(name, module)
    tmp = out.with_suffix(".tmp")
    subprocess.run([sys.executable, "-m", "shiv", "--site-packages", str(site), "--site-packages", str(src),
                    "-e", f"{module}:run", "-p", INTERPRETER, "-o", str(tmp), "--reproducible"]
                   + (["--compile-pyc"] if COMPILE_PYC else []), check=True, stdout=subprocess.DEVNULL)
    fast_main(tmp, f"{module}:run")
    tmp.chmod(0o755)
    tmp.replace(out)
    return out


def fast_main(app: Path, entry_point: str) -> None:
    """Put lib/zipapp_main.py in place of shiv's __main__.py (why: see there); every other entry of
    the archive, and the shebang before it, stay as shiv wrote them."""
    data = app.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
        if any(n.endswith(".pth") and n.count("/") == 1 for n in names):
            raise SystemExit(f"{app.name}: a .pth file in site-packages: lib/zipapp_main.py cannot run it")
        build_id = json.loads(src.read("environment.json"))["build_id"]
        main = (ROOT / "lib" / "zipapp_main.py").read_text()
        main = main.replace('\nBUILD_ID = ""', f'\nBUILD_ID = "{build_id}"', 1)
        main = main.replace('\nENTRY_POINT = ""', f'\nENTRY_POINT = "{entry_point}"', 1)
        if f'BUILD_ID = "{build_id}"' not in main or f'ENTRY_POINT = "{entry_point}"' not in main:
            raise SystemExit("lib/zipapp_main.py: BUILD_ID or ENTRY_POINT placeholder not found")
        shebang = data[:data.index(b"\n") + 1] if data.startswith(b"#!") else b""
        with open(app, "wb") as f:
            f.write(shebang)
            with zipfile.ZipFile(f, "w") as dst:
                for info in src.infolist():
                    dst.writestr(info, main.encode() if info.filename == "__main__.py" else src.read(info))


COMPLETER = """#!/bin/sh
# Shell completion of `{cli} mig-{name}` ({cli} runs this with the words typed so far; lib/completion.py).
d=$(dirname "$0")
[ -x "$d/kubectl-mig_{name}" ] && exec "$d/kubectl-mig_{name}" __complete "$@"
exec kubectl-mig_{name} __complete "$@"
"""


def completers(name: str, dist: Path = DIST) -> list[Path]:
    """kubectl_complete-mig_<name> and oc_complete-mig_<name> (kubectl pkg/cmd/plugin/plugin_completion.go)."""
    out = []
    for cli in ("kubectl", "oc"):
        path = dist / f"{cli}_complete-mig_{name}"
        path.write_text(COMPLETER.format(cli=cli, name=name))
        path.chmod(0o755)
        out.append(path)
    return out


def _add(tar: tarfile.TarFile, arcname: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(arcname)
    info.size, info.mode, info.mtime = len(data), mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    tar.addfile(info, io.BytesIO(data))


def krew_archive(name: str, app: Path, extra: list | None = None, dist: Path = DIST) -> Path:
    """The krew archive, the same bytes for the same inputs: entries sorted, owner and mtime fixed, and a
    gzip header without the file name or time (tarfile's "w:gz" writes both, so every build differed)."""
    out = dist / f"mig-{name}.tar.gz"
    tmp = out.with_suffix(".tmp")
    entries = [(app.name, app.read_bytes(), 0o755), ("LICENSE", (ROOT / "LICENSE").read_bytes(), 0o644)]
    entries += [(p.name, p.read_bytes(), 0o755) for p in extra or []]
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for arcname, data, mode in sorted(entries):
            _add(tar, arcname, data, mode)
    tmp.replace(out)
    return out


def krew_manifest(name: str, archive: Path, dist: Path = DIST) -> Path:
    template = (ROOT / "krew" / f"mig-{name}.yaml").read_text()
    text = (template.replace("{{VERSION}}", "v" + version())
            .replace("{{SHA256}}", sha256(archive))
            .replace("{{ARCHIVE}}", archive.name))
    out = dist / "krew" / f"mig-{name}.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return out


def build(name: str, site: Path, dist: Path = DIST) -> tuple[Path, Path, Path]:
    """One plugin: (zipapp, krew archive, krew manifest) in dist."""
    dist.mkdir(parents=True, exist_ok=True)
    app = zipapp(name, PLUGINS[name], site, dist)
    archive = krew_archive(name, app, completers(name, dist), dist)
    return app, archive, krew_manifest(name, archive, dist)


def main(argv: list[str]) -> int:
    names = argv or list(PLUGINS)
    unknown = [n for n in names if n not in PLUGINS]
    if unknown:
        print(f"error: unknown plugin(s): {', '.join(unknown)}; known: {', '.join(PLUGINS)}", file=sys.stderr)
        return 64
    DIST.mkdir(exist_ok=True)
    site = site_packages()
    for name in names:
        app, archive, manifest = build(name, site)
        print(f"built {app.relative_to(ROOT)} ({app.stat().st_size // 1024} KiB), "
              f"{archive.relative_to(ROOT)}, {manifest.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
