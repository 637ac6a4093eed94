"""`dailypapers serve`: web processes that are warm before they take a connection, and share the load evenly.

uvicorn's own `--workers` binds one socket in the parent and lets the children race to accept from it: asyncio
accepts a whole burst at once, so one process took 63% of wrk's 64 connections while the other idled, and a child
still loading its indexes was already handed connections. Here each process builds its app, warms it (warmup.py),
and only then binds its own socket with SO_REUSEPORT: the kernel spreads new connections evenly over the listening
processes and never to one that is not ready. The parent only supervises: it restarts a process that dies and
stops them all on SIGINT / SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from fastapi import FastAPI

from dailypapers.web.warmup import warm_up

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0
M_ARENA_MAX = -8  # glibc's mallopt parameter
ARENAS = 2


def limit_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own malloc arena (up to 8 per core): pages rendered in the thread
    pool's ~40 threads spread freed memory over many arenas, and a soak measured the web processes' memory creeping
    up for minutes. Two arenas keep it flat; a no-op off glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name).mallopt(M_ARENA_MAX, ARENAS)


def bind(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # Accepted connections inherit it. Without it the kernel holds a response's last small segment until the
    # client ACKs the previous one, which a client delays by up to 40 ms: every keep-alive request waited ~44 ms
    # and 64 connections topped out at ~1,450 req/s whatever the page (docs/performance.md, "Latency floor").
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_process(app: FastAPI, host: str, port: int, *, log_level: str, access_log: bool, reuse_port: bool) -> None:
    """Warm `app`, then bind and serve until SIGINT / SIGTERM (uvicorn's own handlers)."""
    limit_malloc_arenas()
    asyncio.run(warm_up(app))
    sock = bind(host, port, reuse_port=reuse_port)
    config = uvicorn.Config(app, log_level=log_level, access_log=access_log, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def _child(host: str, port: int, log_level: str, access_log: bool) -> None:
    from dailypapers.web.asgi import app  # builds the Hub from DAILYPAPERS_* settings, in this process

    run_process(app(), host, port, log_level=log_level, access_log=access_log, reuse_port=True)


def serve_processes(host: str, port: int, workers: int, *, log_level: str, access_log: bool) -> None:
    """Start `workers` processes on host:port and keep them running until SIGINT / SIGTERM."""
    bind(host, port, reuse_port=True).close()  # fail here, in the parent, when the port is taken
    context = multiprocessing.get_context("spawn")
    args: tuple[Any, ...] = (host, port, log_level, access_log)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    processes: list[BaseProcess] = []
    for _ in range(workers):
        processes.append(context.Process(target=_child, args=args, daemon=False))
        processes[-1].start()
    log.info("serving on http://%s:%d with %d processes", host, port, workers)
    while not stopping:
        time.sleep(0.2)
        for n, process in enumerate(processes):
            if not process.is_alive() and not stopping:
                log.warning("web process %s exited with %s; starting another", process.pid, process.exitcode)
                time.sleep(RESTART_PAUSE_SECONDS)
                processes[n] = context.Process(target=_child, args=args, daemon=False)
                processes[n].start()
    for process in processes:
        if process.is_alive() and process.pid is not None:
            process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
    for process in processes:
        process.join(timeout=30)
