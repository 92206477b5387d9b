"""What the plugins print is redacted as what mig-gather writes: `mig-crs -o json|yaml|jsonpath` print the
CRs (a MigCluster's `spec.url` with a password, last-applied configurations holding a Secret, a password in
an annotation), tables and mig-verify's report quote condition messages; stdout is pasted into cases as
files are. The structure and the evidence stay."""

from __future__ import annotations

import json

import yaml

from tests import redaction_canaries as rc

NS = "openshift-migration"
MIG = "f7b5e1a2-d4c3-11e9-9c6e-0a580a81020b"
PW = {"url": "CanaryMcUrlPw90zZ", "last": "CanaryMcLastSec93wW", "ann": "CanaryMigStorAnn94vV",
      "cond": "CanaryCondUrlPw95uU"}


def _plant(s) -> None:
    last = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sa", "namespace": NS},
                       "stringData": {"saToken": PW["last"]}})
    for mc in s.list("host", "MigCluster", NS):
        if mc["spec"].get("url"):
            mc["spec"]["url"] = mc["spec"]["url"].replace("://", f"://admin:{PW['url']}@", 1)
            mc.setdefault("status", {})["conditions"] = [{
                "type": "InvalidURL", "status": "True", "category": "Critical",
                "message": f"cannot reach https://admin:{PW['cond']}@api.example.com:6443"}]
        mc["metadata"].setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = last
        s.put("host", mc)
    for st in s.list("host", "MigStorage", NS):
        st["metadata"].setdefault("annotations", {})["example.com/db-password"] = PW["ann"]
        s.put("host", st)


def test_crs_and_verify_print_no_secret_in_any_format(sim, kubectl):
    s = sim("restic-timeout")
    _plant(s)
    outs = {}
    for args in (["-o", "json"], ["-o", "yaml"], ["-o", "jsonpath={.items[*].spec.url}"], [], ["-o", "wide"]):
        r = kubectl(s, "mig-crs", MIG, *args)
        assert r.returncode == 0, r.stderr
        outs[" ".join(args)] = r
    for args in (["-o", "json"], []):
        outs["verify " + " ".join(args)] = kubectl(s, "mig-verify", MIG, *args)
    for name, r in outs.items():
        assert rc.leaks((r.stdout + r.stderr).encode(), list(PW.values())) == [], name
    items = json.loads(outs["-o json"].stdout)["items"]
    clusters = [x for x in items if x["kind"] == "MigCluster" and x["spec"].get("url")]
    assert clusters and all("://admin:REDACTED-URL-PASSWORD-" in x["spec"]["url"] for x in clusters)
    assert all(x["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
               .startswith("REDACTED-LAST-APPLIED-") for x in items if x["kind"] == "MigCluster")
    assert any(x["kind"] == "MigMigration" and x["metadata"]["name"] == MIG for x in items)    # the rest stays
    assert yaml.safe_load(outs["-o yaml"].stdout)["kind"] == "List"
    assert "REDACTED-URL-PASSWORD-" in outs["-o jsonpath={.items[*].spec.url}"].stdout
    assert json.loads(outs["verify -o json"].stdout)["kind"] == "Verdict"          # the leak check read a report
    assert f"migration {MIG}" in outs["verify "].stdout
