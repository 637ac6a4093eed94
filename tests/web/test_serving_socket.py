"""The socket `serve` listens on: accepted connections send without Nagle's delay; processes can share its port."""

from __future__ import annotations

import socket

from dailypapers.web.serving import bind


def test_accepted_connections_have_nagle_off() -> None:
    # Without TCP_NODELAY a keep-alive response's last small segment waited for the client's delayed ACK (~40 ms):
    # every page, cached or not, topped out at ~1,450 req/s over 64 connections.
    listener = bind("127.0.0.1", 0, reuse_port=True)
    try:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()


def test_two_processes_can_bind_the_same_port() -> None:
    first = bind("127.0.0.1", 0, reuse_port=True)
    try:
        second = bind("127.0.0.1", first.getsockname()[1], reuse_port=True)
        second.close()
    finally:
        first.close()
