"""A self-signed CA and one server certificate per cluster, made with the openssl CLI."""

from __future__ import annotations

import os
import ssl
import subprocess
from pathlib import Path


def _run(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d: Path) -> tuple[Path, Path]:
    d.mkdir(parents=True, exist_ok=True)
    key, crt = d / "ca.key", d / "ca.crt"
    # The extensions of a Kubernetes cluster CA (client-go's certutil.NewSelfSignedCACert): a strict
    # verifier (Python 3.13's default X509_STRICT) refuses a CA without keyUsage.
    _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mig-tools-emulator-ca",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
         "-addext", "subjectKeyIdentifier=hash",
         "-keyout", str(key), "-out", str(crt))
    return key, crt


def make_server_cert(d: Path, name: str, ca_key: Path, ca_crt: Path) -> tuple[Path, Path]:
    key, csr, crt, ext = d / f"{name}.key", d / f"{name}.csr", d / f"{name}.crt", d / f"{name}.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
                   "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
    _run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(csr))
    _run("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
         "-days", "2", "-extfile", str(ext), "-out", str(crt))
    return key, crt


_CACHE: dict = {}


def make_pki(d: Path) -> tuple[Path, Path, Path]:
    """(ca.crt, server.key, server.crt) in directory d."""
    ca_key, ca_crt = make_ca(d)
    key, crt = make_server_cert(d, "server", ca_key, ca_crt)
    return ca_crt, key, crt


def shared_pki() -> tuple[Path, Path, Path]:
    """(ca.crt, server.key, server.crt) made once per process: RSA key generation is slow.
    MIG_EMULATOR_PKI_DIR names a directory where make_pki() already put them, to share them
    between processes (tests.simproc.serve_split)."""
    if "pki" not in _CACHE:
        shared = os.environ.get("MIG_EMULATOR_PKI_DIR")
        if shared:
            d = Path(shared)
            _CACHE["pki"] = (d / "ca.crt", d / "server.key", d / "server.crt")
        else:
            import atexit
            import shutil
            import tempfile

            d = Path(tempfile.mkdtemp(prefix="mig-emulator-pki-"))
            atexit.register(shutil.rmtree, d, True)
            _CACHE["pki"] = make_pki(d)
    return _CACHE["pki"]


def server_context(key: Path, crt: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(crt), str(key))
    return ctx
