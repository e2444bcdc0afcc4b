"""Who may talk to `sketchtrain app`: only its own page, as Jupyter does it.

A server on 127.0.0.1 is reachable from every website the user visits: a page on another
origin can POST a form to it or load its URLs as images, and a DNS-rebinding page (a foreign
name that resolves to 127.0.0.1) can even read the answers. So, as a pure ASGI middleware in
front of every route:

- the Host header must name this server (loopback names, or with ``--host 0.0.0.0`` the
  machine's own names and addresses, plus ``--allow-host``) with its port; else 403. This
  stops rebinding, whose requests carry the attacker's host name;
- every ``/api`` request must carry the per-launch token that only the served page holds
  (``X-Sketch-Token`` header, or ``?token=`` for ``<img>`` and download links); a request
  marked ``Sec-Fetch-Site`` other than same-origin (cross-site, or same-site: another port) or with a foreign ``Origin`` is refused even with it;
- an upload is counted while it streams and cut off with 413 past the limit (a chunked body
  has no Content-Length to check up front), so no more than the limit is ever read;
- every answer says ``X-Frame-Options: DENY`` and ``nosniff``; the page gets a CSP that allows
  only its own nonce-tagged script and style.
"""

from __future__ import annotations

import json
import secrets
import socket
from urllib.parse import parse_qs, urlsplit

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
TOKEN_HEADER = b"x-sketch-token"
UPLOAD_PATH = "/api/jobs"


def new_secret() -> str:
    """A per-launch secret (token, CSP nonce): 32 bytes from the OS's CSPRNG."""
    return secrets.token_urlsafe(32)


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def allowed_host_names(host: str, allow: list[str] | tuple[str, ...] = ()) -> set[str]:
    """Host names (lower case, IPv6 bracketed, without port) this server answers to when it
    listens on ``host``: the loopback names; for an address of every interface (0.0.0.0, ::)
    also the machine's host names and their addresses; the listening address itself; and
    every ``allow`` name."""
    names = set(LOOPBACK_NAMES)
    if host in ("0.0.0.0", "::", ""):
        for name in {socket.gethostname(), socket.getfqdn()}:
            names.add(name.lower())
            try:
                for info in socket.getaddrinfo(name, None):
                    names.add(_bracketed(info[4][0].split("%")[0]).lower())
            except OSError:
                pass  # a host name that does not resolve: its name alone is allowed
    else:
        names.add(_bracketed(host.strip("[]")).lower())
    names.update(name.strip().lower() for name in allow if name.strip())
    return names


def split_host(value: str) -> tuple[str, int | None]:
    """('name', port) of a Host header value; port None when absent or unreadable."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value.partition("]")
        name += "]"
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        name, _, port_text = value.partition(":")
    try:
        return name, int(port_text) if port_text else None
    except ValueError:
        return name, -1


class Guard:
    """ASGI middleware: Host, token, cross-site and upload-size checks, and security headers."""

    def __init__(self, app, token: str, host_names: set[str], port: int, upload_limit: int, csp: str):
        self.app, self.token, self.host_names, self.port = app, token, host_names, port
        self.upload_limit, self.csp = upload_limit, csp

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        problem = self._refusal(scope, headers)
        if problem:
            return await _answer(send, 403, {"error": problem}, self._headers(scope))
        if scope["path"] == UPLOAD_PATH and scope["method"] == "POST":
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.upload_limit + 1024 * 1024:
                return await _answer(send, 413, {"error": self._too_large(int(declared))}, self._headers(scope))
            return await self._bounded_upload(scope, receive, send)
        return await self.app(scope, receive, self._with_headers(scope, send))

    def _refusal(self, scope, headers: dict) -> str | None:
        name, port = split_host(headers.get("host", ""))
        if name not in self.host_names or (port is not None and port != self.port):
            return (f"this server answers only to its own address (Host {headers.get('host', '')!r} is not one); "
                    "start it with --allow-host NAME to serve another name")
        if not scope["path"].startswith("/api"):
            return None
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            # another port of this host is "same-site" but still another website
            return f"{headers['sec-fetch-site']} requests are refused: use the app's own page"
        origin = headers.get("origin")
        if origin is not None and origin != "null":
            origin_name, origin_port = split_host(urlsplit(origin).netloc)
            scheme_port = 443 if origin.startswith("https:") else 80
            if origin_name not in self.host_names or (origin_port or scheme_port) != self.port:
                return f"requests from another website ({origin}) are refused: use the app's own page"
        elif origin == "null":
            return "requests from an opaque origin are refused: use the app's own page"
        given = headers.get(TOKEN_HEADER.decode()) or _query_token(scope)
        if not given or not secrets.compare_digest(given.encode(), self.token.encode()):
            return "missing or wrong token: open the app's page (the address the app printed) and use it from there"
        return None

    def _too_large(self, size: int) -> str:
        return (f"upload of {size / 1e6:.1f} MB is above the app's {self.upload_limit / 1e6:.0f} MB upload limit; "
                "use `sketchtrain simplify` for larger files")

    async def _bounded_upload(self, scope, receive, send):
        """Read the body as it streams, at most the limit (the handler reads it whole anyway);
        past the limit stop reading and answer 413, else hand the body on."""
        limit = self.upload_limit + 1024 * 1024  # room for the form's other fields and boundaries
        chunks, seen, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            more = message.get("more_body", False)
            if seen > limit:
                return await _answer(send, 413, {"error": self._too_large(seen)}, self._headers(scope))
        body = b"".join(chunks)
        del chunks
        delivered = False

        async def replay():
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: wait for a disconnect as the server would
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, self._with_headers(scope, send))

    def _headers(self, scope) -> list[tuple[bytes, bytes]]:
        headers = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                   (b"referrer-policy", b"no-referrer"), (b"cross-origin-resource-policy", b"same-origin")]
        if not scope["path"].startswith("/api"):
            headers.append((b"content-security-policy", self.csp.encode()))
        return headers

    def _with_headers(self, scope, send):
        extra = self._headers(scope)

        async def sending(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        return sending


def _query_token(scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


async def _answer(send, status: int, payload: dict, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


def page_csp(nonce: str) -> str:
    """The page's Content-Security-Policy: its own nonce-tagged script and style, images from
    itself and from the dropped files (blob:), requests to itself; no frames, forms or plugins."""
    return (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' blob:; "
            "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
