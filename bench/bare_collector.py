"""The libraries under the collector, with none of its work: the HTTP ceiling of bench/produce.py.

    .venv/bin/python bench/bare_collector.py --port 8123

A Starlette app (FastAPI's base) served by uvicorn, as the collector is, with one route,
``POST /v1/batch``: it parses the body with orjson and sends every call, as the JSON bytes it
came in, with the bare kafka-python producer (the SDK's durable settings: acks=all,
idempotence, compression) to the raw topic, and answers once Kafka acknowledged them all.
No write key, no Segment mapping, no validation, no Avro, no dead letters: what is left is
the cost of HTTP, JSON and Kafka in one Python process, the most any collector built on them
can do on this machine. bench/produce.py starts it with the collector's topic settings
(``JOURNEYS_*``) and the same load generator.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from journeys.settings import Settings
from producers.kafka_producer import make_producer


def create_app(settings: Settings) -> Starlette:
    producer = make_producer(settings, client_suffix="bench-bare-http")
    topic = settings.topics.name(settings.topics.raw)

    async def batch(request: Request) -> Response:
        calls = orjson.loads(await request.body())["batch"]
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        left = [len(calls)]

        def acked(_: Any) -> None:  # kafka-python's I/O thread (one thread: the count needs no lock)
            left[0] -= 1
            if left[0] == 0:
                loop.call_soon_threadsafe(done.set_result, None)

        def failed(error: Exception) -> None:
            loop.call_soon_threadsafe(lambda: done.done() or done.set_exception(error))

        for call in calls:
            key = str(call.get("anonymousId")).encode()
            producer.send(topic, key=key, value=orjson.dumps(call)).add_callback(acked).add_errback(failed)
        await done
        return Response(orjson.dumps({"accepted": len(calls)}), media_type="application/json")

    async def ready(_: Request) -> Response:
        return Response(b'{"ready": true}', media_type="application/json")

    return Starlette(routes=[Route("/v1/batch", batch, methods=["POST"]), Route("/ready", ready)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(Settings()), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
