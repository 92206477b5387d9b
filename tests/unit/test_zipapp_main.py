"""lib/zipapp_main.py, the zipapps' __main__: its warm path must find exactly what shiv's bootstrap
would (held against shiv's own functions), and its exit must keep what a normal exit keeps."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from shiv.bootstrap import cache_path, get_first_sitedir_index

from lib import zipapp_main

ROOT = Path(__file__).resolve().parents[2]
BUILD_ID = "ab" * 32


@pytest.fixture
def app(tmp_path, monkeypatch):
    """A zipapp file reached through a symlink (as krew installs it), and zipapp_main's BUILD_ID set."""
    real = tmp_path / "store" / "kubectl-mig_crs"
    real.parent.mkdir()
    with zipfile.ZipFile(real, "w") as z:
        z.writestr("environment.json", "{}")
    link = tmp_path / "bin" / "kubectl-mig_crs"
    link.parent.mkdir()
    link.symlink_to(real)
    monkeypatch.setattr(zipapp_main, "BUILD_ID", BUILD_ID)
    return link


def shivs_site(app: Path, root: str | None) -> Path:
    with zipfile.ZipFile(str(app)) as archive:
        return Path(cache_path(archive, root, BUILD_ID)).absolute() / "site-packages"


@pytest.mark.parametrize("root", [None, "shiv-root", "~/elsewhere"])
def test_the_warm_path_finds_shivs_extraction(app, tmp_path, monkeypatch, root):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    env = {"PATH": "/bin"} if root is None else {"SHIV_ROOT": root}
    expected = shivs_site(app, env.get("SHIV_ROOT"))
    assert zipapp_main.warm_site_packages(env, str(app)) is None      # not extracted yet: shiv's bootstrap
    expected.mkdir(parents=True)
    assert zipapp_main.warm_site_packages(env, str(app)) == str(expected)


@pytest.mark.parametrize("var", ["SHIV_FORCE_EXTRACT", "SHIV_INTERPRETER", "SHIV_ENTRY_POINT", "SHIV_COMPILE_PYC"])
def test_any_other_shiv_variable_takes_shivs_bootstrap(app, tmp_path, var):
    shivs_site(app, str(tmp_path)).mkdir(parents=True)
    assert zipapp_main.warm_site_packages({"SHIV_ROOT": str(tmp_path)}, str(app))
    assert zipapp_main.warm_site_packages({"SHIV_ROOT": str(tmp_path), var: "1"}, str(app)) is None


def test_an_unfilled_build_id_never_takes_the_warm_path(app, tmp_path, monkeypatch):
    shivs_site(app, str(tmp_path)).mkdir(parents=True)
    monkeypatch.setattr(zipapp_main, "BUILD_ID", "")
    assert zipapp_main.warm_site_packages({"SHIV_ROOT": str(tmp_path)}, str(app)) is None


@pytest.mark.parametrize("path", [
    ["/app.pyz", "/usr/lib/python311.zip", "/usr/lib/python3.11", "/usr/lib/python3/dist-packages"],
    ["/app.pyz", "/usr/lib/python3.11", "/venv/lib/python3.11/site-packages/", "/x/dist-packages"],
    ["/app.pyz", "/usr/lib/python3.11"],
    ["/tmp/site-packages", "/usr/lib/python3.11", "/usr/lib/python3/dist-packages"],
    ["", "/usr/lib/python3.11", "/usr/local/lib/python3.11/site-packages"],
])
def test_site_packages_goes_where_shiv_puts_it(monkeypatch, path):
    monkeypatch.setattr(sys, "path", list(path))
    assert zipapp_main.first_site_dir_index(path) == (get_first_sitedir_index() or len(path))


EXITING = """
import atexit, sys, threading, time
sys.path.insert(0, {root!r})
from lib import zipapp_main
atexit.register(lambda: print("atexit ran", file=sys.stderr))
sys.stdout.write("x" * {size} + "unterminated")          # the end still in the buffer
if {thread}:
    threading.Thread(target=lambda: (time.sleep(0.3), print("thread finished", file=sys.stderr))).start()
zipapp_main.exit_now(3)
"""


@pytest.mark.parametrize("thread", [False, True])
def test_the_quick_exit_keeps_output_atexit_and_threads(thread):
    r = subprocess.run([sys.executable, "-c", EXITING.format(root=str(ROOT), thread=thread, size=100000)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 3
    assert r.stdout == "x" * 100000 + "unterminated"
    assert "atexit ran" in r.stderr
    assert ("thread finished" in r.stderr) is thread      # a live thread: the ordinary exit waits for it


def test_the_quick_exit_into_a_closed_pipe_is_the_ordinary_exit():
    """A reader gone before the flush: the interpreter's own exit, not a silent success."""
    code = EXITING.format(root=str(ROOT), thread=False, size=0)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=30) != 0 and "atexit ran" in err


def test_exit_status_as_the_interpreter_gives_it():
    for status, expected in ((0, 0), (64, 64), (256 + 3, 3)):
        r = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                            f"from lib import zipapp_main; zipapp_main.exit_now({status})"], timeout=30)
        assert r.returncode == expected, status
