"""The HTTP API under load on loopback, against a bare FastAPI route in the same run.

The script makes a SQLite store in a temporary folder (the META ALL-STARS policy
published, ``--subjects`` subjects collected, a marketing member of staff with an API
token), then starts two uvicorn servers on 127.0.0.1, each in its own process:

- mamori: ``mamori.web.create_app`` as ``mamori serve`` runs it (every middleware, the
  error mapper, staff token checks);
- bare: a FastAPI app with one route returning the same decision JSON and one returning
  the same policy page HTML (as mamori served it), nothing else.

For each target: a closed loop (``--concurrency`` keep-alive connections, each sending
as soon as it is answered: requests/s, p50, p99), then about ``--rate`` requests/s for
``--seconds`` seconds (p50, p99 at that load). With ``wrk`` installed (``apt-get install
wrk``) both run under wrk, the paced one with wrk's per-connection ``delay`` over 16
connections; without it (or with ``--no-wrk``) an httpx/asyncio client in this process
sends ``--requests`` requests closed-loop and then requests due at the fixed rate,
latency counted from when each was due. The Python client tops out well below 1,000
requests/s on a small machine, and on 2 cores any client shares the CPUs with the
server: the bare route's figures show the ceiling of the set-up. Targets:
``GET /v1/subjects/{id}/decision?purpose=sales&items=name,email`` (a random subject per
request, bearer token) against the bare decision route, and the public policy page
``GET /policy`` against the bare page route. Ratios to the bare routes are printed.

    python bench/http_api.py [--subjects N] [--requests N] [--concurrency N] [--rate N]
                         [--seconds S] [--no-wrk]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "meta-all-stars" / "policy.yaml"
KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
QUERY = "purpose=sales&items=name,email"
TIMEOUT = httpx.Timeout(30.0, pool=None)  # a queue for the pool is part of the latency


def _env(folder: Path) -> dict[str, str]:
    return {
        "MAMORI_DATABASE_URL": f"sqlite:///{folder / 'mamori.db'}",
        "MAMORI_POLICY": str(EXAMPLE),
        "MAMORI_KEK": KEK,
        "MAMORI_OUTBOX_DIR": str(folder / "outbox"),
        "MAMORI_LOG_LEVEL": "warning",
    }


def prepare(folder: Path, subjects: int) -> dict[str, Any]:
    """The store: the policy published, subjects collected, a token for marketing."""
    from mamori.access import Actor
    from mamori.core import Mamori
    from mamori.settings import Settings

    officer = Actor("bench", "officer")
    with Mamori.open(Settings.load(env=_env(folder))) as core:
        core.publish(core.policy, effective=core.today() - dt.timedelta(days=1), actor="bench")
        core.keys.ensure_service_keys()
        rows = (
            (None, {"name": f"利用者 {i}", "email": f"user{i}@example.jp"}) for i in range(subjects)
        )
        ids = [
            r.subject  # type: ignore[union-attr]
            for r in core.vault.collect_many(rows, "account_admin", officer, "bench")
        ]
        for sid in ids[::3]:  # a third objected to marketing: their decisions deny
            core.consent.withdraw(sid, "purpose:sales", actor="bench")
        core.staff.add("marketing-bench", role="marketing", actor="bench")
        _, token = core.staff.issue_token("marketing-bench", name="bench", actor="bench")
        sample = core.decide(ids[1], ["name", "email"], "sales", Actor("staff:x", "marketing"))
    return {"subjects": ids, "token": token, "decision": sample.to_dict()}


def serve(kind: str, folder: Path, port: int) -> None:
    """Run one server until killed (the child process)."""
    import uvicorn

    if kind == "mamori":
        from mamori.core import Mamori
        from mamori.settings import Settings
        from mamori.web import create_app

        core = Mamori.open(Settings.load(env=_env(folder)))
        app: Any = create_app(core)
    else:
        from fastapi import FastAPI

        body = json.loads((folder / "decision.json").read_text(encoding="utf-8"))
        app = FastAPI()

        @app.get("/bare/{subject}/decision")
        async def bare(subject: str, purpose: str, items: str) -> dict[str, Any]:
            return body

        from fastapi.responses import HTMLResponse

        page: list[str] = []

        @app.get("/bare/policy")
        async def bare_page() -> HTMLResponse:
            if not page:  # written by the driver once mamori has served it
                page.append((folder / "policy.html").read_text(encoding="utf-8"))
            return HTMLResponse(page[0])

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(kind: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--dir", str(folder), "--port", str(port)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/openapi.json", timeout=1.0)
            return proc, base
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit(f"the {kind} server exited with {proc.returncode}") from None
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the {kind} server did not start within 60 s")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def closed_loop(
    base: str, paths: list[str], headers: dict[str, str], total: int, concurrency: int
) -> dict[str, float]:
    """``total`` requests over ``concurrency`` connections, each sent when the last came
    back."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=TIMEOUT
    ) as client:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                began = time.perf_counter()
                response = await client.get(paths[i % len(paths)])
                latencies.append(time.perf_counter() - began)
                errors += response.status_code != 200

        for _ in range(20):  # warm-up: connections, caches, the first import of everything
            await client.get(paths[0])
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return {
        "rps": total / elapsed,
        "p50": _pct(latencies, 0.50),
        "p99": _pct(latencies, 0.99),
        "errors": errors,
    }


async def open_loop(
    base: str, paths: list[str], headers: dict[str, str], rate: int, seconds: float
) -> dict[str, float]:
    """Requests due at a fixed rate, taken in turn by 32 connections; latency counts from
    when each was due, so falling behind shows as latency."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=TIMEOUT
    ) as client:
        for _ in range(20):
            await client.get(paths[0])
        began = time.perf_counter()

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                due = began + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                response = await client.get(paths[i % len(paths)])
                latencies.append(time.perf_counter() - due)
                errors += response.status_code != 200

        await asyncio.gather(*(worker() for _ in range(32)))
        elapsed = time.perf_counter() - began
    return {
        "rps": total / elapsed,
        "p50": _pct(latencies, 0.50),
        "p99": _pct(latencies, 0.99),
        "errors": errors,
    }


_LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {%s})
end
%s
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def with_wrk(
    base: str,
    paths: list[str],
    headers: dict[str, str],
    seconds: float,
    concurrency: int,
    rate: int | None = None,
) -> dict[str, float]:
    """wrk (C, far lighter than a Python client): requests/s and the latency percentiles
    it reports. With ``rate``, each connection waits between requests so that together
    they send about ``rate`` a second (wrk's ``delay``; the wait is not in the latency)."""
    pace = f"delay = function() return {concurrency * 1000 / rate:.3f} end" if rate else ""
    quoted = ", ".join(json.dumps(p) for p in paths)
    head = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_LUA % (quoted, head, pace))
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{concurrency}", f"-d{max(1, int(seconds))}s", "--latency",
             "-s", fh.name, base],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
    finally:
        os.unlink(fh.name)

    def latency(label: str) -> float:
        found = re.search(rf"^\s*{label}\s+([0-9.]+)(us|ms|s)\s*$", out, re.M)
        return float(found.group(1)) * _UNITS[found.group(2)] if found else float("nan")

    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": float(rps.group(1)) if rps else float("nan"),
        "p50": latency("50%"),
        "p99": latency("99%"),
        "errors": int(bad.group(1)) if bad else 0,
    }


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--no-wrk", action="store_true", help="Use the Python client even if wrk is installed."
    )
    parser.add_argument("--serve", choices=["mamori", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.dir, args.port)
        return
    with tempfile.TemporaryDirectory(prefix="mamori-http-bench-") as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        setup = prepare(folder, args.subjects)
        _say(f"prepared {args.subjects} subjects in {time.perf_counter() - began:.1f} s")
        (folder / "decision.json").write_text(json.dumps(setup["decision"]), encoding="utf-8")
        rng = random.Random(7)
        chosen = [rng.choice(setup["subjects"]) for _ in range(1000)]
        auth = {"Authorization": f"Bearer {setup['token']}"}
        targets = {
            "bare": ("bare", [f"/bare/{s}/decision?{QUERY}" for s in chosen], {}),
            "decision": ("mamori", [f"/v1/subjects/{s}/decision?{QUERY}" for s in chosen], auth),
            "bare page": ("bare", ["/bare/policy"], {}),
            "policy page": ("mamori", ["/policy"], {}),
        }
        use_wrk = not args.no_wrk and shutil.which("wrk") is not None
        servers = {kind: start(kind, folder) for kind in ("mamori", "bare")}
        page = httpx.get(servers["mamori"][1] + "/policy", timeout=30.0)
        page.raise_for_status()
        (folder / "policy.html").write_text(page.text, encoding="utf-8")
        results: dict[str, dict[str, dict[str, float]]] = {}
        try:
            for name, (kind, paths, headers) in targets.items():
                base = servers[kind][1]
                _say(f"{name}: closed loop, then open loop")
                if use_wrk:
                    closed = with_wrk(base, paths, headers, args.seconds, args.concurrency)
                else:
                    closed = asyncio.run(
                        closed_loop(base, paths, headers, args.requests, args.concurrency)
                    )
                if use_wrk:
                    paced = with_wrk(base, paths, headers, args.seconds, 16, args.rate)
                else:
                    paced = asyncio.run(open_loop(base, paths, headers, args.rate, args.seconds))
                results[name] = {"closed": closed, "open": paced}
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(timeout=30)
    loop = f"wrk for {args.seconds:g} s" if use_wrk else f"{args.requests} requests"
    print(
        f"{loop} over {args.concurrency} connections (closed loop); "
        f"{args.rate} requests/s for {args.seconds:g} s (open loop); {args.subjects} subjects"
    )
    print(f"{'target':12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} | "
          f"{'@rate':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")  # fmt: skip
    for name, res in results.items():
        c, o = res["closed"], res["open"]
        print(
            f"{name:12} {c['rps']:8.0f} {c['p50']:8.2f} {c['p99']:8.2f} | "
            f"{o['rps']:8.0f} {o['p50']:8.2f} {o['p99']:8.2f} {int(c['errors'] + o['errors']):7d}"
        )
    for name, base_name in (("decision", "bare"), ("policy page", "bare page")):
        c, bare = results[name]["closed"], results[base_name]["closed"]
        print(
            f"{name} vs {base_name}: {bare['rps'] / c['rps']:.2f}x fewer requests/s, "
            f"p50 {c['p50'] / bare['p50']:.2f}x, p99 {c['p99'] / bare['p99']:.2f}x"
        )


if __name__ == "__main__":
    main()
