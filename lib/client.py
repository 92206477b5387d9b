"""A small Kubernetes client on plain dicts over kubernetes' ApiClient transport.

Every call has a timeout; reads retry on 429 (honouring Retry-After), 5xx and dropped
connections with backoff. Failures become ApiError with one line naming the cluster.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import List

# isort: off
from .kubeapi import ApiClient, ApiException, Configuration  # first: it imports urllib3 with stand-ins

import urllib3

from . import objects as o
from . import verbosity
from .errors import ApiError, NotServed
# isort: on
from .resources import Resource, from_discovery, resource

CONNECT_TIMEOUT = 30.0      # client-go's net.Dialer timeout: the bound when --request-timeout is 0

READ_RETRIES = 3
BACKOFF = (0.1, 0.3, 0.8)
PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
}


_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(obj: dict) -> dict:
    """A `\\ud800` escape left alone by a pair decodes to a lone surrogate, which no stream can print
    (UnicodeEncodeError at the first write): each becomes U+FFFD, as Go's decoder makes it."""
    stack: list = [obj]
    while stack:
        x = stack.pop()
        pairs = list(x.items()) if isinstance(x, dict) else list(enumerate(x))
        for k, v in pairs:
            if isinstance(v, str) and _SURROGATE.search(v):
                x[k] = _SURROGATE.sub("\ufffd", v)
            elif isinstance(v, (dict, list)):
                stack.append(v)
            if isinstance(k, str) and _SURROGATE.search(k):
                x[_SURROGATE.sub("\ufffd", k)] = x.pop(k)
    return obj


_JSON_TYPES = {list: "array", str: "string", type(None): "null", int: "number", float: "number", bool: "boolean"}


def _status_message(exc: ApiException) -> tuple[str, str]:
    """(message, reason) from an ApiException carrying a Status body, or its HTTP reason."""
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if body:
        try:
            st = json.loads(body)
            if isinstance(st, dict) and st.get("message"):
                return st["message"], st.get("reason", "") or ""
        except (ValueError, RecursionError):       # not a Status, or one nested past the decoder's stack
            pass
    return (exc.reason or f"HTTP {exc.status}").strip(), ""


class Client:
    """One cluster's API: get, list (selectors, paging), create, replace, patch, delete, logs."""

    def __init__(self, config: Configuration, cluster: str, timeout: float = 0.0,
                 impersonate: list | tuple = ()):
        config.retries = 0  # we retry ourselves, with backoff and only where it is safe
        self.config = config
        self.cluster = cluster
        self.timeout = float(timeout or 0)
        self.impersonate = list(impersonate)
        self.api = ApiClient(configuration=config)
        if self.impersonate:
            _add_headers(self.api, self.impersonate)
        self._discovered: List[Resource] | None = None
        self.retry_writes = False   # mig-rollback: its writes are idempotent (uid preconditions, resourceVersions)
        self._silent: ApiError | None = None     # set once the cluster let a request time out

    def _bound(self, timeout) -> tuple:
        """(connect, read) for urllib3: --request-timeout bounds both (a float works: the kubernetes
        client ignores a bare float); 0 leaves reads unbounded and connecting bounded as client-go."""
        if isinstance(timeout, tuple):
            return timeout
        t = float(timeout or 0)
        return (t, t) if t > 0 else (CONNECT_TIMEOUT, None)

    # --- transport -------------------------------------------------------------------------
    def request(self, method: str, path: str, query: dict | list | None = None, body=None,
                content_type: str | None = None, stream: bool = False, what: str = "",
                timeout: float | tuple | None = None):
        """One API call; returns the decoded JSON body, or the raw response when stream=True."""
        params = [(k, v) for k, v in (query.items() if isinstance(query, dict) else (query or []))
                  if v is not None and v != ""]
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        read = method == "GET"
        retries = READ_RETRIES if read or self.retry_writes else 0
        deadline = time.monotonic() + (self.timeout if self.timeout > 0 else CONNECT_TIMEOUT)
        attempt = 0
        if self._silent is not None and not stream:
            raise self._silent
        bound = self._bound(timeout if timeout is not None else self.timeout)
        while True:
            t0 = time.monotonic()
            try:
                if verbosity.enabled(7):
                    verbosity.log(f"{self.cluster}: {method} {self.config.host}{path} headers "
                                  f"{verbosity.masked_headers(headers)}")
                if verbosity.enabled(8) and body is not None:
                    verbosity.log(f"{self.cluster}: Request Body: ", body)
                resp = self.api.call_api(
                    path, method, query_params=params, header_params=headers, body=body,
                    auth_settings=["BearerToken"], _preload_content=False,
                    _return_http_data_only=True, _request_timeout=bound)
                if stream:
                    self._trace(method, path, params, resp.status, t0)
                    return resp
                data = self._read(resp, t0, bound, what or f"{method} {path}")
                self._trace(method, path, params, resp.status, t0, data)
                obj = json.loads(data) if data else {}
                if not isinstance(obj, dict):      # every answer read whole is an object (a List, a Status...)
                    raise ValueError(f"a JSON {_JSON_TYPES.get(type(obj), 'value')} where an object belongs")
                return _no_surrogates(obj) if _ESCAPED_SURROGATE.search(data) else obj
            except ApiException as exc:
                self._trace(method, path, params, exc.status or 0, t0, getattr(exc, "body", None))
                status = exc.status or 0
                if _timed_out(exc):
                    raise self._timeout(what or f"{method} {path}", bound, stream) from None
                if attempt < retries and (status == 429 or status >= 500 or (status == 0 and read)) \
                        and (read or time.monotonic() < deadline):
                    self._sleep(attempt, exc)
                    attempt += 1
                    continue
                msg, reason = _status_message(exc)
                if status == 0:
                    msg = f"cannot reach {self.config.host}: {msg}"
                raise ApiError(self._line(what or f"{method} {path}", msg, status),
                               status, reason, self.cluster) from None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                self._trace(method, path, params, 0, t0)
                if _timed_out(exc):
                    raise self._timeout(what or f"{method} {path}", bound, stream) from None
                if attempt < retries and read:     # a write whose connection dropped may have happened
                    self._sleep(attempt, None)
                    attempt += 1
                    continue
                raise ApiError(self._line(what or f"{method} {path}", f"cannot reach {self.config.host}: "
                                          f"{_short(exc)}", 0), 0, "Unreachable", self.cluster) from None
            except (ValueError, RecursionError) as exc:
                why = "JSON nested too deeply" if isinstance(exc, RecursionError) else exc
                raise self._invalid(what or path, why) from None

    def _read(self, resp, t0: float, bound: tuple, what: str) -> bytes:
        """The whole body. --request-timeout bounds each read, and the request as a whole too (as
        kubectl's does): a server that trickles a byte a second would never let one read time out."""
        limit = max((x for x in bound if x is not None), default=None) if self.timeout > 0 else None
        if limit is None:
            return resp.data
        parts = []
        for part in resp.stream(1 << 16, decode_content=True):
            parts.append(part)
            if time.monotonic() - t0 > limit:
                resp.close()          # never back to the pool with the rest of the body unread
                raise self._timeout(what, bound, False)
        resp.release_conn()
        return b"".join(parts)

    def _timeout(self, what: str, bound: tuple, stream: bool) -> ApiError:
        """kubectl does not retry a request that ran out of time, and a cluster that let one time out
        costs no more: later requests to it fail at once (log streams excepted: they resume)."""
        err = ApiError(self._line(what, f"cannot reach {self.config.host}: timed out after {_secs(bound)}", 0),
                       0, "Timeout", self.cluster)
        if not stream:
            self._silent = err
        return err

    def _trace(self, method: str, path: str, params: list, status: int, t0: float, data=None) -> None:
        """-v 6: each request as kubectl logs it (`GET URL 200 OK in 5 milliseconds`); -v 8 the body."""
        if not verbosity.enabled(6):
            return
        from urllib.parse import urlencode

        ms = int((time.monotonic() - t0) * 1000)
        url = self.config.host + path + ("?" + urlencode(params) if params else "")
        verbosity.log(f"{self.cluster}: {method} {url} {status or 'no answer'} in {ms} milliseconds")
        if verbosity.enabled(8) and data:
            verbosity.log(f"{self.cluster}: Response Body: ", data)

    def _sleep(self, attempt: int, exc: ApiException | None) -> None:
        delay = BACKOFF[min(attempt, len(BACKOFF) - 1)]
        headers = getattr(exc, "headers", None) or {}
        ra = headers.get("Retry-After") if hasattr(headers, "get") else None
        if ra:
            try:
                secs = float(ra)
            except ValueError:          # an HTTP date: the backoff
                secs = -1.0
            if secs >= 0:               # never NaN or negative: time.sleep would raise
                delay = min(secs, 10.0)
        time.sleep(delay)

    def _invalid(self, what: str, why) -> ApiError:
        """An answer no API server sends (a JSON array for a List, a repeating continue token...)."""
        return ApiError(self._line(what, f"invalid response: {why}", 500), 500, "InvalidResponse", self.cluster)

    def _line(self, what: str, msg: str, status: int) -> str:
        if status in (401,):
            msg = f"Unauthorized: {msg} (check the credentials for this cluster)"
        return f"{self.cluster}: {what}: {msg}"

    # --- verbs ------------------------------------------------------------------------------
    def get(self, res: Resource | str, name: str, namespace: str | None = None, sub: str | None = None) -> dict:
        r = self._res(res)
        obj = self.request("GET", r.path(namespace, name, sub), what=_what("get", r, name, namespace))
        return _typed(obj, r) if not sub else obj

    def get_or_none(self, res: Resource | str, name: str, namespace: str | None = None) -> dict | None:
        try:
            return self.get(res, name, namespace)
        except ApiError as e:
            if e.not_found:
                return None
            raise

    def list(self, res: Resource | str, namespace: str | None = None, labels: str | None = None,
             fields: str | None = None, limit: int = 500) -> List[dict]:
        """All items, following `continue` pages; each item gets apiVersion and kind."""
        r = self._res(res)
        items: List[dict] = []
        cont = None
        seen: set = set()
        what = _what("list", r, None, namespace)
        while True:
            page = self.request("GET", r.path(namespace), {
                "labelSelector": labels, "fieldSelector": fields, "limit": limit, "continue": cont},
                what=what)
            got, meta = page.get("items") or [], page.get("metadata") or {}
            cont = meta.get("continue") if isinstance(meta, dict) else None
            if not isinstance(got, list) or not all(isinstance(i, dict) for i in got) \
                    or not isinstance(cont, (str, type(None))) or (cont and cont in seen):
                why = "a continue token seen before" if isinstance(cont, str) and cont in seen \
                    else "items or metadata of the wrong type"
                raise self._invalid(what, why)
            items.extend(_typed(i, r) for i in got)
            if not cont:
                return items
            seen.add(cont)

    def create(self, res: Resource | str, obj: dict, namespace: str | None = None) -> dict:
        r = self._res(res)
        ns = namespace or (obj.get("metadata") or {}).get("namespace")
        return self.request("POST", r.path(ns), body=obj, what=_what("create", r, None, ns))

    def replace(self, res: Resource | str, obj: dict, sub: str | None = None) -> dict:
        r = self._res(res)
        md = obj.get("metadata") or {}
        return self.request("PUT", r.path(md.get("namespace"), md["name"], sub), body=obj,
                            what=_what("replace", r, md["name"], md.get("namespace")))

    def patch(self, res: Resource | str, name: str, namespace: str | None, body, patch_type: str = "merge",
              sub: str | None = None) -> dict:
        r = self._res(res)
        return self.request("PATCH", r.path(namespace, name, sub), body=body,
                            content_type=PATCH_TYPES[patch_type], what=_what("patch", r, name, namespace))

    def delete(self, res: Resource | str, name: str, namespace: str | None = None,
               propagation: str = "Background", uid: str | None = None) -> dict:
        """Delete one object; with uid, only if it is still that object (a precondition)."""
        r = self._res(res)
        body: dict = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        if uid:
            body["preconditions"] = {"uid": uid}
        return self.request("DELETE", r.path(namespace, name), body=body,
                            what=_what("delete", r, name, namespace))

    def version(self) -> dict:
        return self.request("GET", "/version", what="get version")

    def log_stream(self, namespace: str, pod: str, container: str | None = None, follow: bool = False,
                   previous: bool = False, tail_lines: int | None = None, since_seconds: int | None = None,
                   since_time: str | None = None, timestamps: bool = False,
                   limit_bytes: int | None = None, chunk: int = 65536) -> Iterator[bytes]:
        """The pod's log as raw byte chunks, streamed; a cut stream raises ApiError(status=0)."""
        query = {"container": container, "follow": "true" if follow else None,
                 "previous": "true" if previous else None, "tailLines": tail_lines,
                 "sinceSeconds": since_seconds, "sinceTime": since_time,
                 "timestamps": "true" if timestamps else None, "limitBytes": limit_bytes}
        what = f"logs of pod {namespace}/{pod}" + (f" container {container}" if container else "")
        timeout = (self._connect_timeout(), None) if follow else self.timeout
        resp = self.request("GET", f"/api/v1/namespaces/{namespace}/pods/{pod}/log", query,
                            stream=True, what=what, timeout=timeout)
        try:
            for data in resp.stream(chunk, decode_content=True):
                if data:
                    yield data
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ApiError(self._line(what, f"stream interrupted: {_short(exc)}", 0), 0,
                           "StreamCut", self.cluster) from None
        finally:
            resp.release_conn()

    def _connect_timeout(self) -> float:
        return self.timeout if self.timeout > 0 else CONNECT_TIMEOUT

    def _res(self, res: Resource | str) -> Resource:
        """A kind the tool knows, else the one the server offers (API discovery), else a MigError."""
        if isinstance(res, Resource):
            return res
        try:
            return resource(res)
        except KeyError:
            pass
        for r in self.discover():
            if res in (r.kind, r.key, r.plural):
                return r
        raise NotServed(f"kind {res} is not served by the cluster")

    def discover(self) -> List[Resource]:
        """Every resource the server offers that can be listed (no subresources), one call per group version."""
        if self._discovered is not None:
            return self._discovered
        found: List[Resource] = []
        gvs = ["v1"]
        for g in self.request("GET", "/apis", what="discover API groups").get("groups") or []:
            pv = o.dig(g, "preferredVersion", "groupVersion")
            if isinstance(pv, str) and pv:
                gvs.append(pv)
        for gv in gvs:
            path = "/api/v1" if gv == "v1" else f"/apis/{gv}"
            try:
                lst = self.request("GET", path, what=f"discover {gv}")
            except ApiError as e:
                if e.status in (404, 503):
                    continue
                raise
            for item in lst.get("resources") or []:
                if not isinstance(item, dict) or not isinstance(item.get("name"), str) or "/" in item["name"] \
                        or "list" not in (item.get("verbs") or []) or not isinstance(item.get("kind"), str):
                    continue
                found.append(from_discovery(gv, item))
        self._discovered = found
        return found


def _add_headers(api: ApiClient, extra: list) -> None:
    """Send these headers with every request, repeated ones as separate header lines (client-go sends
    one Impersonate-Group line per group; the API server reads every line, not a comma list)."""
    from urllib3._collections import HTTPHeaderDict  # urllib3 1.26 and 2.x alike

    pm = api.rest_client.pool_manager
    plain = pm.request

    def request(method, url, *args, headers=None, **kw):
        h = HTTPHeaderDict(headers or {})
        for k, v in extra:
            h.add(k, v)
        return plain(method, url, *args, headers=h, **kw)

    pm.request = request


def _timed_out(exc) -> bool:
    for _ in range(8):
        if exc is None:
            return False
        if isinstance(exc, (urllib3.exceptions.TimeoutError, TimeoutError)):
            return True
        if isinstance(exc, ApiException) and not exc.status and "timed out" in str(exc.reason or "").lower():
            return True         # the kubernetes client turns an SSLError (a TLS handshake that hung) into this
        exc = getattr(exc, "reason", None) if isinstance(getattr(exc, "reason", None), BaseException) \
            else exc.__context__
    return False


def _secs(bound: tuple) -> str:
    t = max(x for x in bound if x is not None)
    return f"{t:g}s"



def _typed(obj: dict, r: Resource) -> dict:
    obj.setdefault("apiVersion", r.api_version)
    obj.setdefault("kind", r.kind)
    return obj


def _what(verb: str, r: Resource, name: str | None, ns: str | None) -> str:
    s = f"{verb} {r.key}"
    if name:
        s += f' "{name}"'
    if ns and r.namespaced:
        s += f" in namespace {ns}"
    return s


def _short(exc: BaseException) -> str:
    """The innermost reason of a urllib3 error, without its repr noise."""
    reason = getattr(exc, "reason", None)
    while reason is not None and getattr(reason, "reason", None) is not None:
        reason = reason.reason
    text = str(reason or exc)
    if "Connection refused" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return text.split(": ", 1)[-1][:200] if len(text) > 200 else text
