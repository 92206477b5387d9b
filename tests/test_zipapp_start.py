"""The built zipapps start through lib/zipapp_main.py: shiv's bootstrap on the first run (it extracts),
none of its imports afterwards, and the same answer both times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import build


def imported(stderr: str) -> set[str]:
    return {line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("plugin", list(build.PLUGINS))
def test_first_run_extracts_later_runs_skip_shivs_bootstrap(plugin, dist_dir, tmp_path):
    app = dist_dir / f"kubectl-mig_{plugin}"
    with zipfile.ZipFile(app) as z:
        build_id = json.loads(z.read("environment.json"))["build_id"]
        assert f'BUILD_ID = "{build_id}"' in z.read("__main__.py").decode()
    env = dict(os.environ, SHIV_ROOT=str(tmp_path / "shiv"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    runs = [subprocess.run([sys.executable, "-X", "importtime", str(app), "--version"], env=env,
                           capture_output=True, text=True, timeout=120) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr[-2000:]
        assert r.stdout.startswith(f"kubectl mig-{plugin} ")
    assert runs[0].stdout == runs[1].stdout
    assert "_bootstrap" in imported(runs[0].stderr)
    assert not {"_bootstrap", "compileall", "zipfile", "py_compile"} & imported(runs[1].stderr)
    assert (tmp_path / "shiv" / f"{app.name}_{build_id}" / "site-packages").is_dir()


def test_a_shiv_variable_still_takes_shivs_bootstrap(dist_dir, tmp_path):
    app = dist_dir / "kubectl-mig_crs"
    env = dict(os.environ, SHIV_ROOT=str(tmp_path / "shiv"))
    subprocess.run([sys.executable, str(app), "--version"], env=env, capture_output=True, timeout=120, check=True)
    r = subprocess.run([sys.executable, "-X", "importtime", str(app), "--version"], capture_output=True, text=True,
                       env=dict(env, SHIV_FORCE_EXTRACT="1"), timeout=120)
    assert r.returncode == 0 and "_bootstrap" in imported(r.stderr)


PYENV = Path("/root/.pyenv/versions")


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_oldest_and_newest_supported_python_against_the_emulator(version, dist_dir, sim, kubectl, tmp_path):
    """kubectl runs the plugin with whatever `python3` is first on PATH. 3.13 verifies certificates
    strictly (X509_STRICT): the emulator's CA must carry a cluster CA's extensions, as a real one does."""
    found = sorted(PYENV.glob(f"{version}.*/bin/python{version}"))
    if not found:
        pytest.skip(f"no Python {version} on this machine")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python3").symlink_to(found[-1])
    s = sim("sock-shop-success")
    env = {"PATH": os.pathsep.join([str(dist_dir), str(bindir), os.environ["PATH"]]),
           "SHIV_ROOT": str(tmp_path / "shiv")}
    for _ in range(2):                                     # the first run extracts, the second is warm
        r = kubectl(s, "mig-crs", "88435fe0", "-o", "name", env=env)
        assert r.returncode == 0, r.stderr
        assert "migmigration.migration.openshift.io/88435fe0-c9f8-11e9-85e6-5d593ce65e10" in r.stdout
