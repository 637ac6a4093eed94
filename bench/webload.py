"""Shared parts of the HTTP load benchmarks (bench/load.py, bench/soak.py): the hub they load, the server, wrk.

The hub is built once in a work folder from the shared data (../shared/data, read in place: arxiv-papers and
hf-daily-papers, then vectors by the chosen embedder) and reused by later runs. The server is the real
`dailypapers serve --workers N` in its own process group; wrk (`apt-get install wrk`) drives it, with a Lua script
when the paths vary (search queries). Every figure is compared with /static/style.css served by the same server in
the same run, because the machine is shared and its speed varies from minute to minute.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DP = str(Path(sys.executable).with_name("dailypapers"))
STATIC = "/static/style.css"
THREADS = 2  # wrk's threads


def require_tools() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if not (SHARED / "arxiv-papers.jsonl.gz").exists():
        sys.exit(f"reference data not found at {SHARED} (it lives beside the project, in ../shared/data)")


def hub_env(work: Path, embedder: str) -> dict[str, str]:
    return {
        **os.environ,
        "DAILYPAPERS_DATABASE_URL": f"sqlite:///{work / 'hub.db'}",
        "DAILYPAPERS_EMBEDDER": embedder,
        "DAILYPAPERS_LOG_LEVEL": "WARNING",
    }


def prepare(work: Path, embedder: str) -> None:
    """Import the shared data and embed it, once per work folder (a `ready` file marks a finished build)."""
    ready = work / f"ready-{embedder}"
    if ready.exists():
        subprocess.run([DP, "migrate"], env=hub_env(work, embedder), check=True, stdout=subprocess.DEVNULL)
        return
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = hub_env(work, embedder)
    started = time.monotonic()
    subprocess.run([DP, "migrate"], env=env, check=True)
    for name in ("arxiv-papers.jsonl.gz", "hf-daily-papers.jsonl.gz"):
        subprocess.run([DP, "import", "--no-progress", str(SHARED / name)], env=env, check=True)
    subprocess.run([DP, "embed"], env=env, check=True, stderr=subprocess.DEVNULL)
    ready.write_text(f"built in {time.monotonic() - started:.0f} s\n")


def queries(count: int, seed: int = 7) -> list[str]:
    """`count` different queries: three words of random real titles (as a reader would type them)."""
    rng = random.Random(seed)
    titles: list[str] = []
    with gzip.open(SHARED / "hf-daily-papers.jsonl.gz", "rt", encoding="utf-8") as lines:
        titles = [json.loads(line)["title"] for line in lines]
    found: dict[str, None] = {}  # insertion-ordered set: thousands of distinct queries for the no-repeat figure
    while len(found) < count:
        words = re.findall(r"[A-Za-z][A-Za-z-]{2,}", rng.choice(titles))
        if len(words) >= 3:
            start = rng.randrange(len(words) - 2)
            found.setdefault(" ".join(words[start : start + 3]).lower())
    return list(found)


@dataclass(slots=True)
class Server:
    process: subprocess.Popen[bytes]
    base: str

    def web_pids(self) -> list[int]:
        """The web processes (children of `serve`)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def rss_mb(self) -> float:
        """Resident memory of all web processes together, in MB."""
        total = 0
        for pid in self.web_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        return total / 1024

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def start_server(work: Path, embedder: str, port: int, workers: int, timeout: float = 300) -> Server:
    """`dailypapers serve` in its own process group; returns once the port accepts connections (every process has
    warmed up and bound by then, or at least one has: each binds only when ready)."""
    process = subprocess.Popen(
        [DP, "serve", "--port", str(port), "--workers", str(workers)],
        env=hub_env(work, embedder),
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return Server(process, f"http://127.0.0.1:{port}")
        except OSError:
            time.sleep(0.05)
    process.kill()
    sys.exit("the server did not start in time")


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers, socket errors and timeouts


def _ms(text: str) -> float:
    """wrk's latency text (`950.00us`, `12.5ms`, `2.57s`, `1.02m`) in ms; NaN when it has none (`-nan`)."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if found is None:
        return float("nan")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}[unit]


def wrk(
    base: str,
    path: str,
    *,
    seconds: int,
    connections: int,
    paths: list[str] | None = None,
    cookie: str = "",
    cookies: list[str] | None = None,
) -> WrkResult:
    """Run wrk on one path, or round-robin over `paths` (a Lua script), and parse its report.

    With `paths`, wrk's two threads take turns through the list (thread k asks paths k, k + 2, k + 4, …), so a list
    longer than the requests of a run asks no path twice. `cookie` goes with every request; `cookies` (one per path,
    "" for none) with their own paths only: a mix of visitors and members."""
    command = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    script = None
    if paths:
        script = Path(f"/tmp/dailypapers-wrk-{os.getpid()}.lua")
        quoted = ",".join(json.dumps(p) for p in paths)
        per_path = ",".join(json.dumps(c) for c in (cookies or [""] * len(paths)))
        script.write_text(
            f"local paths = {{{quoted}}}\nlocal cookies = {{{per_path}}}\n"
            "local threads, n = 0, 0\n"
            "function setup(thread)\n  thread:set('first', threads)\n  threads = threads + 1\nend\n"
            "request = function()\n"
            f"  local at = ((first or 0) + {THREADS} * n) % #paths + 1\n  n = n + 1\n"
            "  local headers = nil\n  if cookies[at] ~= '' then headers = {Cookie = cookies[at]} end\n"
            "  return wrk.format(nil, paths[at], headers)\nend\n"
        )
        command += ["-s", str(script)]
    out = subprocess.run([*command, base + path], capture_output=True, text=True, check=True).stdout
    if script is not None:
        script.unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in found.groups())
    return WrkResult(rps, p50, p99, total, errors)


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
