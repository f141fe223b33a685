"""Runs an API process: uvicorn on the service's host and port, logs already configured."""

from __future__ import annotations

import socket
from types import FrameType

import uvicorn
from fastapi import FastAPI

_exiting = False


def shutting_down() -> bool:
    """True once this process was told to stop (SIGTERM, Ctrl-C): uvicorn then waits for open
    responses to end, so long-lived ones (event streams) look here to end by themselves."""
    return _exiting


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        global _exiting
        _exiting = True
        super().handle_exit(sig, frame)


def serve(
    app: FastAPI, *, host: str, port: int, reuse_port: bool = False, proxy_headers: bool = True
) -> None:
    # log_config=None keeps our structlog handler; uvicorn's own would print plain text.
    config = uvicorn.Config(app, log_config=None, proxy_headers=proxy_headers, lifespan="on")
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((host, port))
    _Server(config).run(sockets=[listener])
