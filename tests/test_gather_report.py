"""report.html: every bundle carries one self-contained page (no script, no network, no external font
or style) with each migration's verdict at the top, the findings with evidence and fix, the timeline as
an inline SVG, the CR tree, the redaction summary and a relative link to every log; `--report-only PATH`
writes it for a bundle made elsewhere. Rendered in headless Chromium (Debian's chromium-headless-shell,
installed by `make test`) to check what a person sees."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests import mtc_bundles as mb
from tests.conftest import bundle_of, gather

CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")
MIG = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"

# A page beside the report that loads it in a frame, follows its link to a Velero log in another frame as a
# click would, and writes down what is laid out on screen (file: pages of one directory may read each
# other with --allow-file-access-from-files; the report itself has no script).
HARNESS = """<!DOCTYPE html><html><body>
<iframe id="r" src="report.html" width="1280" height="900"></iframe><iframe id="l" width="600" height="200"></iframe>
<pre id="out">pending</pre><script>
const out = document.getElementById("out");
document.getElementById("r").onload = () => {
  const d = document.getElementById("r").contentDocument, res = {};
  const v = d.querySelector(".verdict"), box = v.getBoundingClientRect();
  res.verdict = v.textContent; res.verdictTop = box.top; res.verdictHeight = box.height;
  res.verdictColor = getComputedStyle(v).backgroundColor;
  const ev = [...d.querySelectorAll("tr.finding")].map(tr => ({
    id: tr.id, text: tr.querySelector("ul.evidence").innerText, shown: tr.getBoundingClientRect().height > 0,
    fix: tr.querySelector("pre") ? tr.querySelector("pre").innerText : ""}));
  res.findings = ev;
  const bars = [...d.querySelectorAll("svg.timeline rect.bar")];
  res.bars = bars.length; res.barWidths = bars.map(b => b.getBBox().width);
  res.svgHeight = d.querySelector("svg.timeline") ? d.querySelector("svg.timeline").getBoundingClientRect().height : 0;
  const a = d.querySelector('a.log[href*="velero/velero/logs/current.log"]'); res.href = a.getAttribute("href");
  const l = document.getElementById("l");
  l.onload = () => { res.linked = l.contentDocument.body.innerText; out.textContent = JSON.stringify(res); };
  l.src = a.href;
};
</script></body></html>"""


def _render(report: Path) -> dict:
    if not CHROMIUM:
        pytest.skip("chromium-headless-shell is not installed (make test installs it: apt-get install "
                    "chromium-headless-shell)")
    harness = report.parent / "harness.html"
    harness.write_text(HARNESS)
    r = subprocess.run([CHROMIUM, "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                        "--virtual-time-budget=10000", "--dump-dom", harness.as_uri()],
                       capture_output=True, text=True, timeout=120)
    harness.unlink()
    m = re.search(r'<pre id="out">(.*?)</pre>', r.stdout, re.S)
    assert m and m.group(1) != "pending", (r.returncode, r.stderr[-2000:])
    import html

    return json.loads(html.unescape(m.group(1)))


def _self_contained(text: str) -> None:
    assert "<script" not in text.lower() and "<link" not in text.lower() and "@import" not in text
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text) and "url(" not in text


def test_every_bundle_carries_a_report_a_person_can_read(sim, kubectl, tmp_path):
    s = sim("restic-timeout")
    s.put("host", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "namespace": "openshift-migration"},
                   "type": "Opaque", "data": {"k": "c2VjcmV0LXZhbHVlLTAwMQ=="}})
    r = gather(kubectl, s, tmp_path / "out", MIG)
    assert r.returncode == 0, r.stderr
    root, tarball = bundle_of(r)
    report = root / "report.html"
    text = report.read_text()
    _self_contained(text)
    links = [unquote(h) for h in re.findall(r'<a class="log" href="([^"]+)"', text)]
    logs = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.log"))
    assert logs and set(logs) <= set(links) and all((root / h).is_file() for h in links)
    assert any("velero/backups/" in h for h in links)
    backups = root / "source_ocp3-source" / "velero" / "backups"       # Velero's records: this migration's only
    assert (backups / f"{MIG}-4jq7n").is_dir() and not (backups / "e13a1b60-c927-11e9-9555-d129df7f3b96-sz24f").exists()
    rules = json.loads((root / "gather.json").read_text())["redaction"]["rules"]
    assert rules and all(f"<tr><td>{k}</td><td>{n}</td></tr>" in text for k, n in rules.items())
    with __import__("tarfile").open(tarball) as tf:
        assert f"{root.name}/report.html" in tf.getnames()
    seen = _render(report)
    assert seen["verdict"].startswith("FAILED") and 0 <= seen["verdictTop"] < 400 and seen["verdictHeight"] > 0
    assert seen["verdictColor"] == "rgb(255, 235, 233)"
    restic = next(f for f in seen["findings"] if f["id"] == "f-restic-timeout")
    assert restic["shown"] and "timed out waiting for all PodVolumeBackups to complete" in restic["text"]
    assert seen["bars"] >= 5 and all(w > 0 for w in seen["barWidths"]) and seen["svgHeight"] > 50
    linked = (root / unquote(seen["href"])).read_text()
    assert linked and seen["linked"].strip() == linked.strip()          # the link opens the log itself


def test_report_only_for_a_bundle_the_mtc_image_made(kubectl, tmp_path):
    top = mb.must_gather_local(tmp_path, "restic-timeout", "2020-05")
    image = next(p for p in top.iterdir() if p.is_dir())
    r = kubectl(None, "mig-gather", "--report-only", str(image))
    assert r.returncode == 0 and r.stdout.strip() == str(image / "report.html"), r.stderr
    text = (image / "report.html").read_text()
    _self_contained(text)
    assert "FAILED: migration " + MIG in text and "no redaction summary" in text
    assert 'href="ocp3-source/namespaces/openshift-migration/logs/' in text
    tgz = mb.tar_of(top, tmp_path / "mg.tar.gz")
    r = kubectl(None, "mig-gather", "--report-only", str(tgz))
    assert r.returncode == 1 and "not a directory" in r.stderr and r.stderr.count("\n") == 1


def test_report_only_redacts_what_the_bundle_holds_in_clear(kubectl, tmp_path):
    """The MTC image gathers Secrets in clear: a value only a Secret holds, quoted in the migration's
    conditions, and a password in its Velero log reach report.html as placeholders; --no-redact says so."""
    import base64

    known, pw = "CanaryReportKnown0001", "CanaryReportPw0002"
    sc = mb.load("restic-timeout")
    mig = next(x for x in sc["objects"]["host"] if x["kind"] == "MigMigration")
    for c in mig["status"]["conditions"]:
        c["message"] += f" (store key {known}, password={pw})"
    cloud = base64.b64encode(f"[default]\naws_secret_access_key={known}\n".encode()).decode()
    sc["objects"]["source"].append({"apiVersion": "v1", "kind": "Secret", "data": {"cloud": cloud},
                                    "metadata": {"name": "cloud-credentials", "namespace": mb.NS}})
    image = mb.image_output(tmp_path / "image", "restic-timeout", "2021-03", scenario=sc)
    r = kubectl(None, "mig-gather", "--report-only", str(image))
    assert r.returncode == 0, r.stderr
    text = (image / "report.html").read_text()
    assert "FAILED: migration " + MIG in text and "REDACTED-SECRET-DATA-" in text and "REDACTED-PASSWORD-" in text
    assert known not in text and pw not in text
    r = kubectl(None, "mig-gather", "--report-only", str(image), "--no-redact")
    assert r.returncode == 0 and "warning: --no-redact" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert known in (image / "report.html").read_text()
