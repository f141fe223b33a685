"""Runs an API process: uvicorn on the service's host and port, logs already configured."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI


def serve(app: FastAPI, *, host: str, port: int, proxy_headers: bool = True) -> None:
    # log_config=None keeps our structlog handler; uvicorn's own would print plain text.
    uvicorn.run(
        app, host=host, port=port, log_config=None, proxy_headers=proxy_headers, lifespan="on"
    )
