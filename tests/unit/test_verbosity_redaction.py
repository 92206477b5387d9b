"""-v 6/7/8 write to stderr: every line and body goes through one redactor for the run (lib/verbosity.py)."""

from __future__ import annotations

import base64
import json

import pytest

from lib import verbosity
from tests import redaction_canaries as c


@pytest.fixture(autouse=True)
def _fresh():
    verbosity._STATE.update(redactor=None, held=None)
    yield
    verbosity._STATE.update(redactor=None, held=None, level=0)


def test_a_request_url_with_a_migclusters_password_is_masked(capsys):
    verbosity.log(f"source: GET https://admin:{c.T['url-empty-user']}@api.example.com:6443/api 200 in 3 milliseconds")
    err = capsys.readouterr().err
    assert c.leaks(err.encode(), [c.T["url-empty-user"]]) == [] and "https://admin:REDACTED-" in err


def test_list_bodies_and_later_bodies_repeating_their_secrets():
    planted = [x for objs in c.objects().values() for x in objs]
    by_kind: dict = {}
    for x in planted:      # as the API server answers a list: items without kind
        by_kind.setdefault(x["kind"], []).append({k: v for k, v in x.items() if k not in ("kind", "apiVersion")})
    out = [verbosity.body_text(json.dumps({"kind": f"{k}List", "items": v}).encode()) for k, v in by_kind.items()]
    # a later body (an event, a log) repeating a value learnt from an earlier one, decoded or in base64
    out.append(verbosity.body_text(json.dumps({"kind": "Event", "message": f"exited: {c.K_SECRET} {c.K_ENV.upper()} "
                                               + base64.b64encode(("x" + c.K_BIN).encode()).decode()})))
    assert c.leaks("\n".join(out).encode(), c.KNOWN) == []


def test_held_lines_are_written_once_every_body_is_learnt(capsys):
    """mig-gather holds -v lines until it has read everything: an event listed before the Secret whose
    value it repeats (in another encoding) is masked too."""
    verbosity.set_level(8)
    verbosity.hold()
    event = {"kind": "EventList", "items": [{"message": f"exited: {c.K_SECRET.upper()} "
                                             + base64.b64encode(("yz" + c.K_SECRET).encode()).decode()}]}
    verbosity.log("source: Response Body: ", json.dumps(event).encode())
    assert capsys.readouterr().err == ""
    secrets = {"kind": "SecretList", "items": [{"metadata": {"name": "db"},
                                                "data": {"x": base64.b64encode(c.K_SECRET.encode()).decode()}}]}
    verbosity.log("host: Response Body: ", json.dumps(secrets).encode())
    verbosity.release()
    err = capsys.readouterr().err
    assert err.count("Response Body: ") == 2 and err.index("source:") < err.index("host:")
    assert c.leaks(err.encode(), [c.K_SECRET]) == []
