"""One emulated cluster: an HTTP(S) server on 127.0.0.1 speaking enough of the Kubernetes API."""

from __future__ import annotations

import base64
import datetime as dt
import json
import socket
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from lib.selectors import SelectorError, match_fields, match_labels, parse_fields, parse_labels

from . import kubevirt, openapi, protobuf, velero
from . import patch as patches
from .faults import Faults, Request
from .logs import LogStore, parse_ts
from .resources import SCALABLE, Res
from .store import Store, StoreError

VERB_OF = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


class ApiFailure(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict | None = None, headers=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details, self.headers = code, reason, message, details, headers


def status_body(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


class Cluster:
    """State of one emulated cluster: resources, store, logs, tokens, faults."""

    def __init__(self, name: str, resources: list[Res], crds: list[dict], workdir, token: str | None = None):
        self.name = name
        self.resources = resources
        self.by_path = {(r.group, r.version, r.plural): r for r in resources}
        self.by_plural = {r.plural: r for r in resources}
        self.token = token or f"{name}-{uuid.uuid4().hex}"
        self.tokens: dict[str, list | None] = {self.token: None}   # token -> allow list (None: admin)
        self.store = Store()
        for r in resources:
            self.store.kinds[r.plural] = r
        for crd in crds:
            self.store.put(self.by_plural["customresourcedefinitions"], crd)
        self.logs = LogStore(workdir / name)
        self.downloads: dict[str, bytes | None] = {}    # Velero's pre-signed object-store files (velero.py)
        self.velero_files: dict = {}          # scenario `downloads:` "<target kind>/<name>" -> file, kept as given
        self.render = lambda text: text       # scenario templates for those files (set by the Emulator)
        self.velero_processes = True                    # False: a Velero that never answers DownloadRequests
        self.faults = Faults()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.url = ""
        self.ca_pem = b""
        self.stopping = threading.Event()
        self.conns: set = set()
        self.conn_lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self, port: int = 0, tls_context: ssl.SSLContext | None = None) -> None:
        handler = type("Handler", (_Handler,), {"cluster": self})
        self.stopping.clear()
        self.server = _Server(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        scheme = "http"
        if tls_context is not None:
            # The handshake happens in the connection's own thread (_Handler.setup): done in accept(), a
            # client that connects and says nothing would block the server loop, and stop() with it.
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True,
                                                         do_handshake_on_connect=False)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        # serve_forever notices shutdown() at its next poll (0.5 s by default, per cluster: stop() of three
        # clusters could take 1.5 s); 50 ms keeps stop() well within its second on a loaded machine.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name=f"emulator-{self.name}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop serving within a second, open connections (watches, follows, idle keep-alives) included."""
        self.stopping.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        with self.conn_lock:
            conns = list(self.conns)
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self.store.lock:
            self.store.changed.notify_all()

    def resource(self, kind_or_plural: str) -> Res:
        for r in self.resources:
            if kind_or_plural in (r.plural, r.kind, f"{r.plural}.{r.group}"):
                return r
        raise KeyError(kind_or_plural)

    # --- authorization -----------------------------------------------------------------------
    def authorize(self, token: str | None, verb: str, res: Res | None, sub: str | None, ns: str) -> None:
        if token is None or token not in self.tokens:
            raise ApiFailure(401, "Unauthorized", "Unauthorized")
        allow = self.tokens[token]
        if allow is None or res is None:
            return
        target = f"{res.plural}/{sub}" if sub else res.plural
        for rule in allow:
            verbs = rule.get("verbs") or []
            resources = rule.get("resources") or []
            if ("*" in verbs or verb in verbs) and ("*" in resources or target in resources
                                                    or (not sub and res.plural in resources)):
                return
        user = f"system:serviceaccount:{token}"
        where = f' in the namespace "{ns}"' if ns else " at the cluster scope"
        raise ApiFailure(403, "Forbidden", f'{target} is forbidden: User "{user}" cannot {verb} resource '
                                           f'"{target}" in API group "{res.group}"{where}',
                         {"group": res.group, "kind": res.plural})


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        import sys

        if isinstance(sys.exc_info()[1], OSError):
            return          # a client that went away, or a TLS handshake that never completed
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    cluster: Cluster
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # headers and body go in separate writes: no 40 ms delayed-ACK stalls

    def log_message(self, *args):  # quiet
        pass

    _req = None      # the Request being answered (faults.Request)

    def send_response(self, code, message=None):
        """The status is recorded before the client can read it: a test asking right after its answer
        finds the request with its status, not the 0 of one still being answered."""
        self._status = code
        if self._req is not None:
            self._req.status = code
        super().send_response(code, message)

    HANDSHAKE_TIMEOUT = 10.0

    def setup(self) -> None:
        with self.cluster.conn_lock:
            self.cluster.conns.add(self.request)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(self.HANDSHAKE_TIMEOUT)
            try:
                self.request.do_handshake()
            except (OSError, ssl.SSLError):
                self.request.close()
                raise ConnectionAbortedError("TLS handshake did not complete") from None
            self.request.settimeout(None)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.cluster.conn_lock:
                self.cluster.conns.discard(self.request)

    def handle(self) -> None:
        try:
            super().handle()
        except (OSError, ValueError):
            pass            # the connection was closed under us (stop(), a client gone)

    # --- plumbing ----------------------------------------------------------------------------
    def _drain(self) -> None:
        """Read a request body nobody read (an injected fault, a refusal), as an API server does: left unread, it
        would be taken for the next request on this keep-alive connection."""
        if not getattr(self, "_body_read", True):
            self._body()

    def _body(self):
        self._body_read = True
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
        else:
            data = self.rfile.read(n) if n else b""
        if not data:
            return None
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() == protobuf.MEDIA_TYPE:
            try:
                return protobuf.decode(data)
            except protobuf.ProtobufError as e:
                raise ApiFailure(415, "UnsupportedMediaType", f"the body of the request was in an unknown "
                                                             f"format: {protobuf.MEDIA_TYPE} ({e})") from None
        try:
            return json.loads(data)
        except ValueError:
            try:
                import yaml

                return yaml.safe_load(data)
            except Exception:
                raise ApiFailure(400, "BadRequest", "the body of the request could not be decoded") from None

    def _send(self, code: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)
        self._status = code

    def _drop(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()
        self.close_connection = True
        self._status = -1

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        c = self.cluster
        parts = urlsplit(self.path)
        path, query = parts.path.rstrip("/") or "/", parts.query
        self.q = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        self._status = 0
        auth = self.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        req = Request(method, path, query, user=token or "", as_user=self.headers.get("Impersonate-User") or "",
                      as_groups=list(self.headers.get_all("Impersonate-Group") or []))
        self._req = req
        if not path.startswith("/_emulator"):
            c.faults.record(req)       # before answering: a client that got its answer finds it counted
        faults = [] if path.startswith("/_emulator") else c.faults.take(method, path, query)
        self.faults = faults
        self._body_read = False
        try:
            for f in faults:
                if f.latency:
                    time.sleep(f.latency)
            for f in faults:
                if f.drop:
                    self._drop()
                    return
                if f.status:
                    hdrs = {"Retry-After": f.retry_after} if f.retry_after is not None else None
                    reason = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}.get(
                        f.status, "InternalError")
                    raise ApiFailure(f.status, reason, f"injected fault: {f.status}", headers=hdrs)
            self._route(method, path, token)
        except ApiFailure as e:
            self._drain()
            self._send(e.code, status_body(e.code, e.reason, e.message, e.details), e.headers)
        except StoreError as e:
            self._drain()
            self._send(e.code, status_body(e.code, e.reason, e.message))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self._status = -1           # the client went away (timed out, interrupted)
            self.close_connection = True
        except Exception as e:  # a bug of the emulator: still an API answer
            try:
                self._send(500, status_body(500, "InternalError", f"emulator error: {type(e).__name__}: {e}"))
            except OSError:
                self._status = -1
                self.close_connection = True
        finally:
            req.status = self._status

    # --- routing -----------------------------------------------------------------------------
    def _route(self, method: str, path: str, token: str | None) -> None:
        c = self.cluster
        if path in ("/healthz", "/readyz", "/livez"):
            body = b"ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(body)
            self._status = 200
            return
        if path == "/version":
            c.authorize(token, "get", None, None, "")
            return self._send(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-emulated",
                                    "platform": "linux/amd64", "goVersion": "go1.23"})
        if path.startswith("/_velero/download/"):          # the object store: the URL is the credential
            return self._download(path.rsplit("/", 1)[1])
        if path.startswith("/_emulator"):
            if token != c.token:
                raise ApiFailure(401, "Unauthorized", "Unauthorized")
            return _control(self, method, path)
        if path.startswith("/openapi"):
            c.authorize(token, "get", None, None, "")
            return self._openapi(path)
        segs = [s for s in path.split("/") if s]
        if segs == ["api"]:
            c.authorize(token, "get", None, None, "")
            return self._send(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": c.url.split("://")[1]}]})
        if segs == ["apis"]:
            c.authorize(token, "get", None, None, "")
            return self._send(200, _group_list(c))
        if segs[:3] == ["apis", kubevirt.GROUP, kubevirt.VERSION] and len(segs) > 3:
            return self._kubevirt(method, segs[3:], token)
        if segs[:1] == ["api"] and len(segs) >= 2:
            group, version, rest = "", segs[1], segs[2:]
        elif segs[:1] == ["apis"] and len(segs) >= 3:
            group, version, rest = segs[1], segs[2], segs[3:]
        else:
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            c.authorize(token, "get", None, None, "")
            lst = _resource_list(c, group, version)
            if lst is None:
                raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
            return self._send(200, lst)
        ns = ""
        if rest[0] == "namespaces" and len(rest) >= 3 and (group, version, rest[2]) in c.by_path:
            ns, rest = rest[1], rest[2:]
        res = c.by_path.get((group, version, rest[0]))
        if res is None:
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if len(rest) > 3 or (sub and sub not in ("status", "scale", "log")):
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        if sub == "scale" and res.plural not in SCALABLE or sub == "log" and res.plural != "pods":
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        if method == "GET" and name is None:
            verb = "watch" if self.q.get("watch") in ("true", "1") else "list"
        elif method == "DELETE" and name is None:
            verb = "deletecollection"
        else:
            verb = VERB_OF[method]
        c.authorize(token, verb, res, sub, ns)
        if verb == "watch":
            return self._watch(res, ns)
        if verb == "deletecollection":
            raise ApiFailure(405, "MethodNotAllowed", "deletecollection is not supported by this emulator")
        if name is None and method == "GET":
            return self._list(res, ns)
        if name is None and method == "POST":
            return self._create(res, ns)
        if sub == "log":
            return self._log(ns, name)
        if sub == "scale":
            return self._scale(method, res, ns, name)
        if method == "GET":
            return self._send(200, c.store.get(res, ns, name))
        if method == "PUT":
            return self._replace(res, ns, name, sub)
        if method == "PATCH":
            return self._patch(res, ns, name, sub)
        if method == "DELETE":
            return self._delete(res, ns, name)
        raise ApiFailure(405, "MethodNotAllowed", f"{method} is not supported")

    def _openapi(self, path: str) -> None:
        c = self.cluster
        if path == "/openapi/v3":
            return self._send(200, openapi.v3_root(c))
        if path.startswith("/openapi/v3/"):
            segs = path[len("/openapi/v3/"):].split("/")
            gv = ("", segs[1]) if segs[:1] == ["api"] and len(segs) == 2 else \
                (segs[1], segs[2]) if segs[:1] == ["apis"] and len(segs) == 3 else None
            doc = openapi.v3_document(c, *gv) if gv else None
            if doc is None:
                raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
            return self._send(200, doc)
        if path == "/openapi/v2":
            accept = self.headers.get("Accept") or "*/*"
            if "json" not in accept and "*/*" not in accept:
                raise ApiFailure(406, "NotAcceptable", "only application/json is served by the emulator")
            return self._send(200, openapi.v2_document(c))
        raise ApiFailure(404, "NotFound", "the server could not find the requested resource")

    def _selectors(self) -> tuple:
        """(label terms, field terms) of the request; a bad selector is a 400, as the API server's."""
        try:
            return parse_labels(self.q.get("labelSelector")), parse_fields(self.q.get("fieldSelector"))
        except SelectorError as e:
            raise ApiFailure(400, "BadRequest", str(e)) from None

    def _watch(self, res: Res, ns: str) -> None:
        """Watch events as JSON lines, from the resourceVersion asked (or every object, ADDED, without
        one) until timeoutSeconds, the client leaving or the emulator stopping."""
        c = self.cluster
        lterms, fterms = self._selectors()
        try:
            since = int(self.q.get("resourceVersion") or 0)
        except ValueError:
            raise ApiFailure(400, "BadRequest", "resourceVersion is not a number") from None
        deadline = time.monotonic() + float(self.q.get("timeoutSeconds") or 1800)

        def wanted(plural: str, obj: dict) -> bool:
            md = obj.get("metadata") or {}
            return plural == res.plural and (not ns or not res.namespaced or md.get("namespace") == ns) \
                and match_labels(lterms, md.get("labels") or {}) and match_fields(fterms, obj)

        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._status = 200
        self._rate = None
        self._t0, self._sent = time.monotonic(), 0
        with c.store.lock:
            if since == 0:
                initial = [("ADDED", o) for o in c.store.list(res, ns or None) if wanted(res.plural, o)]
                since = c.store.rv
            else:
                initial = []
            cursor = len(c.store.events)
            while cursor and c.store.events[cursor - 1][0] > since:
                cursor -= 1
        for kind, obj in initial:
            self._chunk(json.dumps({"type": kind, "object": obj}).encode() + b"\n")
        while time.monotonic() < deadline and not c.stopping.is_set():
            with c.store.lock:
                if cursor >= len(c.store.events):
                    c.store.changed.wait(0.25)
                batch = c.store.events[cursor:]
                cursor += len(batch)
            for _, kind, plural, obj in batch:
                if wanted(plural, obj):
                    self._chunk(json.dumps({"type": kind, "object": obj}).encode() + b"\n")
        self._chunk(b"")
        self.close_connection = True

    # --- verbs -------------------------------------------------------------------------------
    def _list(self, res: Res, ns: str) -> None:
        c = self.cluster
        lterms, fterms = self._selectors()
        items = [o for o in c.store.list(res, ns)
                 if match_labels(lterms, (o.get("metadata") or {}).get("labels") or {}) and match_fields(fterms, o)]
        start = 0
        cont = self.q.get("continue")
        if cont:
            try:
                rv, start = json.loads(base64.urlsafe_b64decode(cont.encode()).decode())
            except Exception:
                raise ApiFailure(400, "BadRequest", "continue key is not valid") from None
        limit = int(self.q.get("limit") or 0)
        meta = {"resourceVersion": str(c.store.rv)}
        page = items[start:]
        if limit and len(page) > limit:
            page = page[:limit]
            nxt = start + limit
            meta["continue"] = base64.urlsafe_b64encode(json.dumps([c.store.rv, nxt]).encode()).decode()
            meta["remainingItemCount"] = len(items) - nxt
        for o in page:
            o.pop("apiVersion", None)
            o.pop("kind", None)
        if "as=Table" in (self.headers.get("Accept") or ""):
            return self._send(200, _table(res, page, meta))
        self._send(200, {"kind": f"{res.kind}List", "apiVersion": res.gv, "metadata": meta, "items": page})

    def _download(self, token: str) -> None:
        data = self.cluster.downloads.get(token)
        if data is None:
            body = b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
            code, ctype = 404, "application/xml"
        else:
            body, code, ctype = data, 200, "application/octet-stream"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self._status = code

    def _create(self, res: Res, ns: str) -> None:
        body = self._body()
        if not isinstance(body, dict):
            raise ApiFailure(400, "BadRequest", "the body of the request is not an object")
        if self.q.get("dryRun"):
            return self._send(201, body)
        created = self.cluster.store.create(res, ns, body)
        if res.plural == "downloadrequests" and res.group == "velero.io" and self.cluster.velero_processes:
            done = dict(created, status=velero.process(self.cluster, self.cluster.resource, ns, created))
            self.cluster.store.put(res, done)
        self._send(201, created)

    def _replace(self, res: Res, ns: str, name: str, sub: str | None) -> None:
        body = self._body()
        if not isinstance(body, dict):
            raise ApiFailure(400, "BadRequest", "the body of the request is not an object")
        if (body.get("metadata") or {}).get("name", name) != name:
            raise ApiFailure(400, "BadRequest", "the name of the object does not match the name on the URL")
        self._send(200, self.cluster.store.replace(res, ns, name, body, only_status=sub == "status",
                                                   keep_status=sub is None and res.plural != "namespaces"))

    def _patched(self, current: dict, body) -> dict:
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        try:
            if ctype == "application/json-patch+json":
                return patches.json_patch(current, body)
            if ctype == "application/merge-patch+json":
                return patches.merge_patch(current, body)
            if ctype == "application/strategic-merge-patch+json":
                return patches.strategic_merge(current, body)
            if ctype == "application/apply-patch+yaml":
                raise ApiFailure(415, "UnsupportedMediaType", "server-side apply is not supported by the emulator")
        except patches.PatchError as e:
            raise ApiFailure(422, "Invalid", str(e)) from None
        raise ApiFailure(415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {ctype}")

    def _patch(self, res: Res, ns: str, name: str, sub: str | None) -> None:
        c = self.cluster
        body = self._body()
        with c.store.lock:
            cur = c.store.get(res, ns, name)
            new = self._patched(cur, body)
            if not isinstance(new, dict):
                raise ApiFailure(422, "Invalid", "a patch must leave an object")
            if not (body and isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion")):
                new.setdefault("metadata", {})["resourceVersion"] = cur["metadata"]["resourceVersion"]
            self._send(200, c.store.replace(res, ns, name, new, only_status=sub == "status",
                                            keep_status=sub is None and res.plural != "namespaces"))

    def _delete(self, res: Res, ns: str, name: str) -> None:
        body = self._body() or {}
        prop = self.q.get("propagationPolicy") or body.get("propagationPolicy") or "Background"
        if prop not in ("Background", "Foreground", "Orphan"):
            raise ApiFailure(400, "BadRequest", f"unknown propagationPolicy {prop!r}")
        pre = body.get("preconditions") or {}
        gone = self.cluster.store.delete(res, ns, name, prop, pre.get("uid"), pre.get("resourceVersion"))
        self._send(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                         "details": {"name": name, "group": res.group, "kind": res.plural,
                                     "uid": gone["metadata"]["uid"]}})

    def _kubevirt(self, method: str, rest: list, token: str | None) -> None:
        """PUT .../namespaces/<ns>/virtualmachines/<name>/start|stop (tests/emulator/kubevirt.py): 202 and no body
        on success, as virt-api; 404 for a VM that does not exist or a cluster without kubevirt.io."""
        c = self.cluster
        res = c.by_path.get(kubevirt.VM_KEY)
        if res is None or len(rest) != 5 or rest[0] != "namespaces" or rest[2] != "virtualmachines" \
                or rest[4] not in kubevirt.ACTIONS:
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        ns, name, action = rest[1], rest[3], rest[4]
        c.authorize(token, "update", res, action, ns)
        body = self._body()
        if method != "PUT":
            raise ApiFailure(405, "MethodNotAllowed", f"{method} is not supported on virtualmachines/{action}")
        if body is not None and not isinstance(body, dict):
            raise ApiFailure(400, "BadRequest", f"Can not unmarshal Request body to struct: {body!r}")
        with c.store.lock:
            vm = c.store.get(res, ns, name)
            try:
                kubevirt.apply(vm, action, kubevirt.vmi_running(c.store.list(c.by_plural["pods"], ns), name))
            except kubevirt.Refused as e:
                raise ApiFailure(e.code, e.reason, e.message) from None
            c.store.replace(res, ns, name, vm)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self._status = 202

    def _scale(self, method: str, res: Res, ns: str, name: str) -> None:
        c = self.cluster
        with c.store.lock:
            cur = c.store.get(res, ns, name)

            def as_scale(o):
                sel = (o.get("spec") or {}).get("selector") or {}
                if isinstance(sel, dict) and "matchLabels" in sel:
                    sel = sel["matchLabels"]
                return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                        "metadata": {"name": name, "namespace": ns, "uid": o["metadata"]["uid"],
                                     "resourceVersion": o["metadata"]["resourceVersion"],
                                     "creationTimestamp": o["metadata"].get("creationTimestamp")},
                        "spec": {"replicas": (o.get("spec") or {}).get("replicas", 0)},
                        "status": {"replicas": (o.get("status") or {}).get("replicas", 0),
                                   "selector": ",".join(f"{k}={v}" for k, v in (sel or {}).items())}}

            if method == "GET":
                return self._send(200, as_scale(cur))
            body = self._body()
            if method == "PUT":
                new_scale = body
            elif method == "PATCH":
                new_scale = self._patched(as_scale(cur), body)
            else:
                raise ApiFailure(405, "MethodNotAllowed", f"{method} is not supported on scale")
            rv = (new_scale.get("metadata") or {}).get("resourceVersion")
            replicas = (new_scale.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise ApiFailure(422, "Invalid", f'Scale.autoscaling "{name}" is invalid: spec.replicas: '
                                                 "Invalid value: must be greater than or equal to 0")
            cur.setdefault("spec", {})["replicas"] = replicas
            if method == "PATCH" and not (body or {}).get("metadata", {}).get("resourceVersion"):
                rv = None
            cur["metadata"]["resourceVersion"] = rv or cur["metadata"]["resourceVersion"]
            new = c.store.replace(res, ns, name, cur)
            self._send(200, as_scale(new))

    def _log(self, ns: str, name: str) -> None:
        c = self.cluster
        pod = c.store.get(c.by_plural["pods"], ns, name)
        names = [x.get("name") for x in (pod.get("spec") or {}).get("containers") or []]
        container = self.q.get("container")
        if not container:
            if len(names) != 1:
                raise ApiFailure(400, "BadRequest", f"a container name must be specified for pod {name}, "
                                                    f"choose one of: [{' '.join(names)}]")
            container = names[0]
        elif container not in names:
            raise ApiFailure(400, "BadRequest", f"container {container} is not valid for pod {name}")
        previous = self.q.get("previous") in ("true", "1")
        lf = c.logs.get(ns, name, container, previous)
        if lf is None:
            if previous:
                raise ApiFailure(400, "BadRequest", f'previous terminated container "{container}" in pod '
                                                    f'"{name}" not found')
            lf = None
        since = None
        if self.q.get("sinceTime"):
            since = parse_ts(self.q["sinceTime"])
            if since is None:
                raise ApiFailure(400, "BadRequest", "sinceTime is not a valid RFC3339 time")
        elif self.q.get("sinceSeconds"):
            since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=int(self.q["sinceSeconds"]))
        tail = int(self.q["tailLines"]) if self.q.get("tailLines") not in (None, "") else None
        limit = int(self.q["limitBytes"]) if self.q.get("limitBytes") else None
        follow = self.q.get("follow") in ("true", "1")
        timestamps = self.q.get("timestamps") in ("true", "1")
        cut_lines = next((f.cut_after_lines for f in self.faults if f.cut_after_lines is not None), None)
        cut_bytes = next((f.cut_after_bytes for f in self.faults if f.cut_after_bytes is not None), None)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._status = 200
        self._rate, self._t0, self._sent = next((f.rate for f in self.faults if f.rate), None), time.monotonic(), 0
        if lf and timestamps and not (follow or tail is not None or since or limit or cut_lines or cut_bytes):
            return self._log_blocks(lf.path)
        lines = c.logs.stream(lf, follow, tail, since, timestamps, limit) if lf else iter(())
        n_lines = n_bytes = 0
        buf = []
        size = 0
        for line in lines:
            if cut_lines is not None and n_lines >= cut_lines or cut_bytes is not None and n_bytes >= cut_bytes:
                self._flush(buf)
                return self._drop()
            if cut_bytes is not None and n_bytes + len(line) > cut_bytes:
                line = line[:cut_bytes - n_bytes]
            n_lines += 1
            n_bytes += len(line)
            buf.append(line)
            size += len(line)
            if follow or size >= 65536:
                self._flush(buf)
                buf, size = [], 0
        self._flush(buf)
        if cut_lines is not None and n_lines >= cut_lines or cut_bytes is not None and n_bytes >= cut_bytes:
            return self._drop()
        self._chunk(b"")

    def _log_blocks(self, path) -> None:
        """The whole log as stored (with timestamps), in large blocks: benchmarks stream gigabytes."""
        with open(path, "rb") as f:
            while True:
                data = f.read(256 << 10)
                if not data:
                    break
                self._chunk(data)
        self._chunk(b"")

    def _flush(self, buf: list) -> None:
        data = b"".join(buf)
        buf.clear()
        if data:
            self._chunk(data)

    def _chunk(self, data: bytes) -> None:
        """One chunk of the chunked body (the empty one ends it), no faster than a `rate` fault allows."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
        self._sent += len(data)
        if self._rate:
            ahead = self._sent / self._rate - (time.monotonic() - self._t0)
            if ahead > 0:
                time.sleep(ahead)


# --- discovery --------------------------------------------------------------------------------
def _verbs(r: Res) -> list[str]:
    return ["create", "delete", "get", "list", "patch", "update", "watch"]


def _resource_list(c: Cluster, group: str, version: str) -> dict | None:
    rs = [r for r in c.resources if r.group == group and r.version == version]
    if not rs:
        return None
    items = []
    for r in rs:
        item = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
                "verbs": _verbs(r)}
        if r.short:
            item["shortNames"] = r.short
        if r.categories:
            item["categories"] = r.categories
        items.append(item)
        items.append({"name": f"{r.plural}/status", "singularName": "", "namespaced": r.namespaced,
                      "kind": r.kind, "verbs": ["get", "patch", "update"]})
        if r.plural in SCALABLE:
            items.append({"name": f"{r.plural}/scale", "singularName": "", "namespaced": True, "kind": "Scale",
                          "group": "autoscaling", "version": "v1", "verbs": ["get", "patch", "update"]})
        if r.plural == "pods":
            items.append({"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod",
                          "verbs": ["get"]})
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}" if group else version,
            "resources": items}


def _group_list(c: Cluster) -> dict:
    groups: dict[str, list[str]] = {}
    for r in c.resources:
        if r.group:
            groups.setdefault(r.group, [])
            if r.version not in groups[r.group]:
                groups[r.group].append(r.version)
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
         "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}} for g, vs in sorted(groups.items())]}


def _age(ts: str | None) -> str:
    t = parse_ts(ts) if ts else None
    if t is None:
        return "<unknown>"
    s = int((dt.datetime.now(dt.timezone.utc) - t).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size * 2:
            return f"{s // size}{unit}"
    return f"{s}s"


def _table(res: Res, items: list, meta: dict) -> dict:
    """A meta.k8s.io Table (what kubectl get asks for): NAME and AGE, like CRDs without printer columns."""
    rows = [{"cells": [o["metadata"]["name"], _age(o["metadata"].get("creationTimestamp"))],
             "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                        "metadata": o["metadata"]}} for o in items]
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": [{"name": "Name", "type": "string", "format": "name", "priority": 0,
                                   "description": "Name of the object"},
                                  {"name": "Age", "type": "string", "priority": 0,
                                   "description": "Time since creation"}],
            "rows": rows}


# --- control API for out-of-process tools -----------------------------------------------------
def _control(h: _Handler, method: str, path: str) -> None:
    c = h.cluster
    what = path[len("/_emulator/"):]
    if what == "requests" and method == "GET":
        return h._send(200, {"requests": [r.__dict__ for r in c.faults.requests()]})
    if what == "requests" and method == "DELETE":
        c.faults.reset()
        return h._send(200, {"ok": True})
    if what == "faults" and method == "POST":
        c.faults.add(**(h._body() or {}))
        return h._send(200, {"ok": True})
    if what == "faults" and method == "DELETE":
        c.faults.clear()
        return h._send(200, {"ok": True})
    if what == "logs/append" and method == "POST":
        b = h._body() or {}
        c.logs.append(b["namespace"], b["pod"], b["container"], b["line"], b.get("ts"))
        return h._send(200, {"ok": True})
    raise ApiFailure(404, "NotFound", f"unknown emulator control {method} {path}")
