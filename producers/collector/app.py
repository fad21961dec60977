"""The HTTP collector (FastAPI): Segment-compatible endpoints plus the native one.

``create_app(settings, producer=None)`` builds the app; ``journeys collect`` serves it
with uvicorn. A request is answered only after Kafka acknowledged its events (200), or
with 503 + Retry-After when the broker does not answer, so clients retry. Invalid events
are dead-lettered and reported per index; the valid ones of the same batch are kept.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi

from journeys.errors import TransientError
from journeys.gc_tuning import tuned_gc
from journeys.settings import Settings
from producers.collector.ingest import RequestError, read_json, split, touchpoints_from
from producers.collector.metrics import CollectorMetrics
from producers.collector.models import (
    ErrorBody,
    IngestResult,
    SegmentAlias,
    SegmentBatch,
    SegmentGroup,
    SegmentIdentify,
    SegmentPage,
    SegmentScreen,
    SegmentTrack,
)
from producers.collector.publisher import Publisher
from producers.contract import utc_now_millis

__all__ = ["create_app"]

log = logging.getLogger(__name__)

# Threads for the calls that may block on the broker: connecting, /ready, closing. Requests
# wait for their acknowledgements on the event loop (producers.collector.publisher).
_PUBLISH_THREADS = 4

_ENDPOINTS: dict[str, tuple[Any, str]] = {
    "track": (SegmentTrack, "Record an action (Segment `track`)."),
    "identify": (SegmentIdentify, "Tie traits (hashed email/phone) to a person (Segment `identify`)."),
    "alias": (SegmentAlias, "Say previousId and userId are one person (Segment `alias`)."),
    "page": (SegmentPage, "A web page view (Segment `page`)."),
    "screen": (SegmentScreen, "An app screen view (Segment `screen`)."),
    "group": (SegmentGroup, "Tie a person to a group or account (Segment `group`)."),
    "batch": (SegmentBatch, "Many Segment calls in one request; invalid ones are dead-lettered, the rest kept."),
    "touchpoints": (None, "Native: one touchpoint or a list, in the contract's shape."),
}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def create_app(
    settings: Settings,
    *,
    producer: Any = None,
    metrics: CollectorMetrics | None = None,
    clock: Callable[[], datetime] = utc_now_millis,
) -> FastAPI:
    """The collector app. ``producer`` (kafka-python API) is built from settings when not given."""
    collector = settings.collector
    metrics = metrics or CollectorMetrics()
    publisher = Publisher(settings, producer=producer)
    executor = ThreadPoolExecutor(_PUBLISH_THREADS, thread_name_prefix="journeys-collect")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(executor, publisher.producer)
        except TransientError as exc:
            log.warning("collector starts without Kafka (answering 503 until it is back): %s", exc)
        ticker = asyncio.create_task(_log_metrics(metrics, collector.log_interval_s))
        try:
            with tuned_gc(collector.gc_threshold):  # ~9% more events per second (journeys/gc_tuning.py)
                yield
        finally:
            ticker.cancel()
            log.info("collector stopping: %s", metrics.summary())
            await loop.run_in_executor(executor, publisher.close)
            executor.shutdown(wait=False)

    app = FastAPI(
        title="journeys collector",
        version="1",
        description="Touchpoint collector, compatible with Segment's HTTP Tracking API. "
        "Authenticate with a write key as the basic-auth user name (or `writeKey` in the body).",
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    app.state.publisher = publisher

    def source_of(request: Request, body: Any) -> str:
        header = request.headers.get("authorization")
        key: Any = None
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "basic":
                raise RequestError(401, "use HTTP basic auth with the write key as user name", kind="unknown_source")
            try:
                key = base64.b64decode(token.strip(), validate=True).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise RequestError(401, "the basic-auth header is not valid base64", kind="unknown_source") from exc
        elif isinstance(body, dict):
            key = body.get("writeKey")
        if not isinstance(key, str) or key not in collector.write_keys:
            raise RequestError(
                401,
                "unknown or missing write key; send a configured one as the basic-auth user name",
                kind="unknown_source",
            )
        return collector.write_keys[key]

    async def ingest(request: Request, endpoint: str) -> Response:
        try:
            declared = request.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > collector.max_body_bytes:
                raise RequestError(
                    413, f"the body is larger than {collector.max_body_bytes} bytes; send smaller batches"
                )
            raw = bytearray()
            async for chunk in request.stream():
                raw += chunk
                if len(raw) > collector.max_body_bytes:
                    raise RequestError(
                        413, f"the body is larger than {collector.max_body_bytes} bytes; send smaller batches"
                    )
            try:
                body = read_json(
                    bytes(raw),
                    content_encoding=request.headers.get("content-encoding"),
                    max_bytes=collector.max_body_bytes,
                )
            except RequestError:
                source_of(request, None)  # an anonymous caller gets 401, not a parse report
                raise
            source = source_of(request, body)
            now = clock()
            items = touchpoints_from(
                endpoint,
                body,
                source=source,
                default_channel=collector.source_channels.get(source, "other"),
                now=now,
                max_batch=collector.max_batch,
            )
            result = split(items, source=source, now=now)
            started = time.perf_counter()
            await publisher.publish([a.record for a in result.ok], [d for _, d in result.dead], source=source)
        except RequestError as exc:
            metrics.rejected.labels(str(exc.status)).inc()
            headers = {"WWW-Authenticate": 'Basic realm="journeys"'} if exc.status == 401 else None
            return _json(exc.status, {"success": False, "message": exc.message}, headers)
        except TransientError as exc:
            metrics.rejected.labels("503").inc()
            log.warning("answering 503: %s", exc)
            return _json(503, {"success": False, "message": str(exc)}, {"Retry-After": str(collector.retry_after_s)})
        metrics.send_latency.observe(time.perf_counter() - started)
        if result.ok:
            metrics.accepted.labels(source).inc(len(result.ok))
        errors = []
        for index, letter in result.dead:
            metrics.dead_lettered.labels(source, letter["error_kind"]).inc()
            errors.append(
                {
                    "index": index,
                    "field": letter["field"],
                    "reason": letter["message"],
                    "dead_letter_id": letter["dead_letter_id"],
                }
            )
        single = endpoint not in {"batch", "touchpoints"} or (not isinstance(body, list) and endpoint == "touchpoints")
        status = 400 if errors and single else 200
        return _json(
            status,
            {"success": not errors, "accepted": len(result.ok), "dead_lettered": len(errors), "errors": errors},
        )

    responses: dict[int | str, dict[str, Any]] = {
        200: {"model": IngestResult, "description": "Kafka acknowledged the valid events; invalid ones are listed."},
        400: {
            "model": IngestResult,
            "description": "Not JSON / not gzip, or the single event is invalid (dead-lettered).",
        },
        401: {"model": ErrorBody, "description": "Unknown or missing write key."},
        413: {"model": ErrorBody, "description": "Body or batch too large."},
        415: {"model": ErrorBody, "description": "Unsupported Content-Encoding."},
        503: {"model": ErrorBody, "description": "Kafka is unreachable; retry after Retry-After seconds."},
    }
    for endpoint, (model, summary) in _ENDPOINTS.items():
        app.add_api_route(
            f"/v1/{endpoint}",
            _handler(ingest, endpoint),
            methods=["POST"],
            summary=summary,
            name=endpoint,
            response_model=None,
            responses=responses,
            openapi_extra={"x-journeys-body": model.__name__ if model else "TouchpointBody"},
        )

    @app.get("/health", summary="The process is up.")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", summary="Kafka is reachable: 200, else 503.", responses={503: {"model": ErrorBody}})
    async def ready() -> Response:
        from journeys.stack import kafka_answers

        def check() -> bool:
            try:
                publisher.producer()
            except TransientError:
                return False
            return any(
                kafka_answers(host.strip("[]"), int(port), timeout=1.0)
                for host, _, port in (s.rpartition(":") for s in settings.kafka.servers)
            )

        if await asyncio.get_running_loop().run_in_executor(executor, check):
            return _json(200, {"status": "ready"})
        return _json(
            503, {"success": False, "message": "Kafka is unreachable"}, {"Retry-After": str(collector.retry_after_s)}
        )

    @app.get("/metrics", summary="Prometheus text format.", response_class=Response)
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _handler(ingest: Callable[[Request, str], Any], endpoint: str) -> Callable[[Request], Any]:
    async def handle(request: Request) -> Response:
        return await ingest(request, endpoint)

    handle.__name__ = f"post_{endpoint}"
    return handle


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the request bodies (the handlers read raw bytes, see models.py)."""
    if app.openapi_schema:
        return app.openapi_schema
    from producers.contract import touchpoint_json_schema

    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    bodies: dict[str, dict[str, Any]] = {}
    template = "#/components/schemas/{model}"
    for model, _summary in _ENDPOINTS.values():
        if model is not None:
            schema = model.model_json_schema(ref_template=template)
            components.update(schema.pop("$defs", {}))
            components[model.__name__] = schema
            bodies[model.__name__] = {"$ref": template.format(model=model.__name__)}
    touchpoint = touchpoint_json_schema(ref_template=template)
    components.update(touchpoint.pop("$defs", {}))
    components["TouchpointEvent"] = touchpoint
    ref = {"$ref": template.format(model="TouchpointEvent")}
    bodies["TouchpointBody"] = {"anyOf": [ref, {"type": "array", "items": ref}]}
    for path in doc["paths"].values():
        operation = path.get("post")
        if operation and "x-journeys-body" in operation:
            schema = bodies[operation.pop("x-journeys-body")]
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    app.openapi_schema = doc
    return doc


async def _log_metrics(metrics: CollectorMetrics, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        log.info("collector: %s", metrics.summary())
