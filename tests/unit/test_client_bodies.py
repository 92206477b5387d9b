"""An API server (or a proxy in front of it) that answers 200 with something no API server sends: a
JSON array, string or null, items that are not objects, a document nested past the parser's stack,
a continue token that never ends the list, a body trickled a byte a second. Each is one line naming
the cluster and exit 69, in bounded time; they used to be `unexpected AttributeError`,
`unexpected RecursionError`, or a command that never returned."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lib.errors import ApiError
from plugins import mig_crs

LIST = b'{"kind": "MigMigrationList", "items": [], "metadata": {"continue": "again"}}'
BODIES = {
    "array": (b"[1, 2]", "a JSON array where an object belongs"),
    "string": (b'"proxy says hi"', "a JSON string where an object belongs"),
    "null": (b"null", "a JSON null where an object belongs"),
    "items": (b'{"kind": "List", "items": ["a", 1], "metadata": {}}', "items or metadata of the wrong type"),
    "continue": (b'{"kind": "List", "items": [], "metadata": {"continue": 5}}', "items or metadata of the wrong type"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
    "endless": (LIST, "a continue token seen before"),
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


def _serve(body: bytes | None):
    """A plain-HTTP server answering every GET with `body` (None: a byte a second, chunked, forever);
    after 50 requests it answers 500, so that an endless list fails instead of hanging the test."""
    count = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_GET(self):
            count[0] += 1
            if count[0] > 50:
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if body is None:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for _ in range(60):
                        self.wfile.write(b"1\r\n \r\n")
                        self.wfile.flush()
                        time.sleep(1)
                except OSError:
                    pass
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, count


@pytest.mark.parametrize("case", list(BODIES))
def test_answers_no_api_server_sends_are_one_line_and_69(case):
    body, why = BODIES[case]
    srv, count = _serve(body)
    try:
        with pytest.raises(ApiError) as e:
            mig_crs.main(["--server", f"http://127.0.0.1:{srv.server_port}", "--request-timeout", "5s"])
    finally:
        srv.shutdown()
    assert e.value.code == 69 and "invalid response" in e.value.message and why in e.value.message, e.value.message
    assert count[0] <= 5, count[0]


def test_a_body_trickled_forever_is_bounded_by_the_request_timeout():
    srv, _ = _serve(None)
    t0 = time.monotonic()
    try:
        with pytest.raises(ApiError) as e:
            mig_crs.main(["--server", f"http://127.0.0.1:{srv.server_port}", "--request-timeout", "2s"])
    finally:
        srv.shutdown()
    assert "timed out after 2s" in e.value.message and e.value.code == 69
    assert time.monotonic() - t0 < 10


def test_a_lone_surrogate_escape_is_printed_as_a_replacement_character(capsys):
    body = (b'{"kind": "MigMigrationList", "metadata": {}, "items": [{"apiVersion": "migration.openshift.io/v1alpha1",'
            b' "kind": "MigMigration", "metadata": {"name": "m\\ud800x", "namespace": "openshift-migration",'
            b' "labels": {"k\\udcff": "v"}}, "spec": {"migPlanRef": {"name": "p\\udcff"}}}]}')
    srv, _ = _serve(body)
    try:
        code = mig_crs.main(["--server", f"http://127.0.0.1:{srv.server_port}", "--request-timeout", "5s"])
        out = capsys.readouterr().out
        out.encode("utf-8")              # what sys.stdout would have refused
        assert code in (0, None) and "m\ufffdx" in out and "p\ufffd" in out, out
    finally:
        srv.shutdown()


def test_an_error_body_nested_past_the_parser_s_stack_is_the_http_reason():
    # a 403/500 whose body is no Status: the message is the HTTP reason (it raised RecursionError from the handler)
    from lib.client import ApiException, _status_message
    exc = ApiException(status=403, reason="Forbidden")
    exc.body = b"[" * 100_000 + b"]" * 100_000
    assert _status_message(exc) == ("Forbidden", "")
