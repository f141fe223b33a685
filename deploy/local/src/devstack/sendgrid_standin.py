"""sendgrid-standin: a local server that takes mail like SendGrid's v3 mail-send API and keeps it.

The mailer points its SendGrid client here (MAILER_SENDGRID_HOST) under `make run` and in tests: the
same official client, the same requests, the same refusals (400 with SendGrid's error shape, 401,
413), and faults on demand (429 with rate-limit headers, 5xx). Nothing leaves the machine.

Accepted requests are appended to MOBILISE_STATE/sendgrid/outbox.jsonl, so a restart keeps them.
Dev endpoints: GET /_standin/messages?limit=N (newest first, one entry a personalization, as its
recipients would see it), GET /_standin/count, POST /_standin/faults, DELETE /_standin/messages."""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from devstack.config import StackConfig
from devstack.sendgrid_contract import MAX_BODY_BYTES, ContractError, expand, validate
from mobilise_runtime.health import health_router
from mobilise_runtime.logging import configure_logging, get_logger
from mobilise_runtime.serve import serve
from mobilise_runtime.settings import SharedSettings

SERVICE = "sendgrid-standin"
DEFAULT_PORT = 18025
log = get_logger(__name__)


class Outbox:
    """The accepted requests, one JSON line each, fsynced before the 202 (a restart keeps them).

    Only the lines' offsets stay in memory: reading the newest messages seeks to them."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._offsets: list[int] = []  # where each request's line starts
        self._total = 0  # personalizations
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        end = 0
        with path.open("rb") as f:
            for line in f:
                if not line.endswith(b"\n"):  # torn by a crash mid-write: never acknowledged
                    break
                self._offsets.append(end)
                self._total += len(json.loads(line)["body"]["personalizations"])
                end += len(line)
        with path.open("rb+") as f:
            f.truncate(end)

    def append(self, message_id: str, body: dict[str, Any]) -> None:
        record = {"received_at": time.time(), "message_id": message_id, "body": body}
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        with self._lock, self._path.open("ab") as f:
            offset = f.tell()
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
            self._offsets.append(offset)
            self._total += len(body["personalizations"])

    def count(self) -> int:
        return self._total

    def newest(self, limit: int) -> list[dict[str, Any]]:
        shown: list[dict[str, Any]] = []
        with self._lock, self._path.open("rb") as f:
            for offset in reversed(self._offsets):
                if len(shown) >= limit:
                    break
                f.seek(offset)
                record = json.loads(f.readline())
                meta = {k: record[k] for k in ("message_id", "received_at")}
                shown += [{**meta, **message} for message in reversed(expand(record["body"]))]
        return shown[:limit]

    def clear(self) -> None:
        with self._lock:
            self._path.write_bytes(b"")
            self._offsets.clear()
            self._total = 0


@dataclass
class Fault:
    status: int
    retry_after_s: int


class FaultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal[429, 500, 502, 503, 504]
    count: int = Field(default=1, ge=1, le=10_000)
    retry_after_s: int = Field(default=1, ge=0, le=3600)


def _errors(status: int, *errors: ContractError, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"errors": [e.as_json() for e in errors]}, status_code=status, headers=headers
    )


def _fault_response(fault: Fault) -> Response:
    if fault.status == 429:
        reset = int(time.time()) + fault.retry_after_s
        headers = {
            "X-RateLimit-Limit": "600",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
        }
        return _errors(429, ContractError("too many requests", None, None), headers=headers)
    message = "The SendGrid v3 Web API is not available (stand-in fault)."
    return _errors(fault.status, ContractError(message, None, None))


def create_app(state: Path) -> FastAPI:
    outbox = Outbox(state / "sendgrid" / "outbox.jsonl")
    faults: deque[Fault] = deque()
    app = FastAPI(title="SendGrid stand-in", version="0.1.0")
    app.include_router(health_router({}, timeout=1))

    @app.post("/v3/mail/send")
    async def send(request: Request) -> Response:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return _errors(401, ContractError("authorization required", None, None))
        if faults:
            return _fault_response(faults.popleft())
        raw, size = bytearray(), 0
        # Read to the end even when too large: a client still sending would see a broken pipe.
        async for chunk in request.stream():
            size += len(chunk)
            if size <= MAX_BODY_BYTES:
                raw += chunk
        if size > MAX_BODY_BYTES:
            return _errors(413, ContractError("Payload Too Large", None, None))
        try:
            body = json.loads(raw)
        except ValueError:
            return _errors(400, ContractError("Bad Request: the body is not JSON.", None))
        errors = validate(body)
        if errors:
            log.info("refused", errors=[e.as_json() for e in errors[:5]])
            return _errors(400, *errors)
        message_id = secrets.token_urlsafe(16)[:22]
        await run_in_threadpool(outbox.append, message_id, body)
        return Response(status_code=202, headers={"X-Message-Id": message_id})

    @app.get("/_standin/messages")
    async def messages(limit: int = Query(default=50, ge=1, le=10_000)) -> list[dict[str, Any]]:
        return await run_in_threadpool(outbox.newest, limit)

    @app.delete("/_standin/messages", status_code=204)
    async def clear() -> None:
        await run_in_threadpool(outbox.clear)

    @app.get("/_standin/count")
    async def count() -> dict[str, int]:
        return {"personalizations": outbox.count()}

    @app.post("/_standin/faults", status_code=204)
    async def inject(fault: FaultIn) -> None:
        faults.extend(Fault(fault.status, fault.retry_after_s) for _ in range(fault.count))

    return app


def main() -> None:
    shared = SharedSettings()
    configure_logging(SERVICE, shared.log_format, shared.log_level)
    port = int(os.environ.get("MOBILISE_SENDGRID_PORT", DEFAULT_PORT))
    serve(create_app(StackConfig.from_env().state), host="127.0.0.1", port=port)
