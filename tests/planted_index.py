"""A planted package index: PyPI's JSON API (``/pypi/<name>/json``) served from this
process on 127.0.0.1, for the discovery tests of ``tracker releases`` (no test reaches
the network). A project is a dict shaped as PyPI's answer, or bytes served as they are
(garbage); a name not planted is a 404."""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from packaging.tags import sys_tags

HERE = next(iter(sys_tags()))  # the most specific tag this interpreter installs


def other_platform() -> str:
    here = {t.platform for t in sys_tags()}
    return next(p for p in ("win_amd64", "macosx_11_0_arm64", "manylinux_2_28_aarch64") if p not in here)


def file(name: str, version: str, tags: str | None = None, *, yanked: bool = False,
         requires_python: str | None = None, uploaded: str = "2026-11-13T11:05:56Z") -> dict[str, Any]:
    """One file of a release: a wheel with ``tags`` ("cp311-cp311-win_amd64"; ``"here"``: this
    interpreter's), or an sdist when ``tags`` is None."""
    if tags == "here":
        tags = f"{HERE.interpreter}-{HERE.abi}-{HERE.platform}"
    filename = f"{name}-{version}-{tags}.whl" if tags else f"{name}-{version}.tar.gz"
    return {
        "filename": filename,
        "packagetype": "bdist_wheel" if tags else "sdist",
        "python_version": tags.split("-")[0] if tags else "source",
        "requires_python": requires_python,
        "upload_time": uploaded[:19],
        "upload_time_iso_8601": uploaded,
        "url": f"../../packages/{filename}",
        "yanked": yanked,
        "yanked_reason": "broken" if yanked else None,
    }


def project(name: str, releases: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    newest = list(releases)[-1] if releases else None
    return {"info": {"name": name, "version": newest}, "releases": dict(releases)}


@contextlib.contextmanager
def planted_index(projects: Mapping[str, Any]) -> Iterator[str]:
    """Serve ``projects`` (name -> PyPI-shaped dict, or raw bytes); yields the --index URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = self.path.strip("/").split("/")
            answer = projects.get(parts[1]) if len(parts) == 3 and parts[::2] == ["pypi", "json"] else None
            if answer is None:
                self.send_error(404, "Not Found")
                return
            body = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/pypi"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port_url() -> str:
    """An index URL on a port nothing listens on: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/pypi"


# A small matrix: two pipelines share the runtime `rt`, whose newest version differs
# between them; its comments must survive `tracker releases --write`. The two files write
# their tables in two ways: one table per header, and dotted keys under one header.
PLANTED_MATRIX = {
    "alpha.toml": '''# alpha: the runtime axis one line per version.
[pipeline.alpha]
framework = "fw"
converter = "cv"
runtime = "rt"
plugins = ["fw"]

[pipeline.alpha.variant.plain]
converter-axes.conv = ["1.0.0"]  # the converter, all on one line

[pipeline.alpha.runtime-axes]
rt = [
    "1.0.0",
    { version = "1.2.0", why = "the newest here" },  # keep this comment
]
''',
    "beta.toml": '''# beta: torch allows CUDA; rt stops at 1.0.0. Dotted keys under the pipeline's table.
[pipeline.beta]
description = "a pipeline written with dotted keys"
plugins = ["fw"]
framework = "fw"
converter = "cv"
runtime = "rt"
variant.plain.converter-axes.torch = [{ version = "2.0.0", allow-cuda = "the only build" }]
runtime-axes.rt = ["0.9.0", "1.0.0"]
''',
}


def write_planted_matrix(directory) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in PLANTED_MATRIX.items():
        (directory / name).write_text(text, encoding="utf-8")


def planted_projects() -> dict[str, Any]:
    """The index the planted matrix is checked against. rt: 1.1.0 is newer than beta's
    1.0.0 only, 1.3.0 than both pipelines'; a pre-release, a dev build, a yanked release,
    one whose wheel is yanked (sdist left). conv: every way a release cannot be installed
    here. torch: installable, a CUDA note."""
    here, there = "here", f"cp311-cp311-{other_platform()}"
    return {
        "rt": project("rt", {
            "0.9.0": [file("rt", "0.9.0", here)],
            "1.0.0": [file("rt", "1.0.0", here)],
            "1.1.0": [file("rt", "1.1.0", here, uploaded="2026-10-01T08:00:00Z")],
            "1.2.0": [file("rt", "1.2.0", here)],
            "1.3.0": [file("rt", "1.3.0", None, uploaded="2026-11-02T09:00:00Z"),
                      file("rt", "1.3.0", here, uploaded="2026-11-01T09:00:00Z")],
            "1.3.1": [file("rt", "1.3.1", here, yanked=True), file("rt", "1.3.1")],
            "1.4.0rc1": [file("rt", "1.4.0rc1", here)],
            "1.4.0.dev20261201": [file("rt", "1.4.0.dev20261201", here)],
            "1.5.0": [file("rt", "1.5.0", here, yanked=True)],
            "not-a-version": [file("rt", "not-a-version", here)],
        }),
        "conv": project("conv", {
            "1.0.0": [file("conv", "1.0.0", here)],
            "1.1.0": [file("conv", "1.1.0")],
            "1.2.0": [file("conv", "1.2.0", there), file("conv", "1.2.0")],
            "1.3.0": [file("conv", "1.3.0", f"cp27-cp27mu-{HERE.platform}")],
            "1.4.0": [file("conv", "1.4.0", here, requires_python="<3"),
                      file("conv", "1.4.0", requires_python="<3")],
        }),
        "torch": project("torch", {
            "2.0.0": [file("torch", "2.0.0", here)],
            "2.1.0": [file("torch", "2.1.0", here)],
        }),
    }
