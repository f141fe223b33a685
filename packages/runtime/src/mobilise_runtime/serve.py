"""Runs an API process: uvicorn on the service's host and port, logs already configured."""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI


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
    uvicorn.Server(config).run(sockets=[listener])
