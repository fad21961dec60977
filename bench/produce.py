"""Ingestion throughput: the SDK, the bare kafka-python producer beside it, and the collector.

    .venv/bin/python bench/produce.py [--events 200000] [--http-events 200000] [--clients 8] [--batch 250] [--rounds 3]

Needs the broker (`journeys stack up`). Creates throw-away topics `bench.<id>.*` and deletes them.
Targets: the SDK >= 50,000 ev/s, the collector >= 20,000 ev/s in batches; where the bare
kafka-python producer (same settings: acks=all, idempotence, compression), measured in the same
run, is lower, >= 80% of it; for the collector, also where the bare HTTP ceiling is lower
(bench/bare_collector.py: uvicorn, Starlette, orjson and that producer, none of the collector's work).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from journeys.settings import Settings, TopicSettings
from journeys.topics import admin_client, create_topics, pipeline_topics

ROOT = Path(__file__).resolve().parents[1]


def bare_ceiling(settings: Settings, values: list[tuple[bytes, bytes]]) -> float:
    from producers.kafka_producer import make_producer

    producer = make_producer(settings, client_suffix="bench-bare")
    topic = settings.topics.name(settings.topics.raw)
    started = time.perf_counter()
    for key, value in values:
        producer.send(topic, value=value, key=key)
    producer.flush()
    elapsed = time.perf_counter() - started
    producer.close()
    return len(values) / elapsed


def sdk_rate(settings: Settings, n: int) -> float:
    from producers import Tracker

    tracker = Tracker(settings, source="bench", close_at_exit=False)
    now = datetime.now(UTC)
    started = time.perf_counter()
    for i in range(n):
        tracker.track(
            "page_view", channel="web", anonymous_id=f"a-{i % 5000}", event_time=now, page="/p", properties={"i": "1"}
        )
    tracker.flush()
    elapsed = time.perf_counter() - started
    tracker.close()
    return n / elapsed


def _call(i: int) -> dict[str, object]:
    return {
        "type": "track",
        "event": "Product Added",
        "messageId": str(uuid.uuid4()),
        "anonymousId": f"a-{i % 5000}",
        "timestamp": "2025-03-01T12:00:00Z",
        "context": {"page": {"path": "/p"}, "locale": "de-DE"},
        "properties": {"sku": "s-1", "price": 9.5},
    }


async def _load(url: str, total: int, clients: int, batch: int) -> float:
    auth = {"Authorization": "Basic " + base64.b64encode(b"bench:").decode(), "Content-Type": "application/json"}
    bodies = [orjson.dumps({"batch": [_call(i * batch + j) for j in range(batch)]}) for i in range(total // batch)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            response = await client.post(f"{url}/v1/batch", content=body, headers=auth)
            if response.status_code != 200 or response.json()["accepted"] != batch:
                raise RuntimeError(f"collector answered {response.status_code}: {response.text[:200]}")

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients)) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        return len(bodies) * batch / (time.perf_counter() - started)


def collector_rate(
    settings: Settings, total: int, clients: int, batch: int, workers: int, *, bare: bool = False
) -> float:
    """Events per second through ``journeys collect`` (or, with ``bare``, bench/bare_collector.py)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "JOURNEYS_TOPIC_PREFIX": settings.topics.prefix,
        "JOURNEYS_COLLECTOR_WRITE_KEYS": '{"bench": "bench"}',
        "JOURNEYS_COLLECTOR_PORT": str(port),
        "JOURNEYS_COLLECTOR_SOURCE_CHANNELS": '{"bench": "web"}',
    }
    command = [str(Path(sys.executable).parent / "journeys"), "collect", "--workers", str(workers)]
    if bare:
        command = [sys.executable, str(ROOT / "bench" / "bare_collector.py"), "--port", str(port)]
    server = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(
                    "collector did not start: " + (server.stderr.read().decode()[-2000:] if server.stderr else "")
                )
            time.sleep(0.2)
        asyncio.run(_load(url, min(total, 2_000 * batch) // 10, clients, batch))  # warm-up
        return asyncio.run(_load(url, total, clients, batch))
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--http-events", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--workers", type=int, default=1, help="collector worker processes")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds alternating bare/SDK and bare HTTP/collector; medians are reported",
    )
    args = parser.parse_args()

    prefix = f"bench.{uuid.uuid4().hex[:8]}."
    topics = TopicSettings(prefix=prefix)
    settings = Settings(topics=topics)
    specs = pipeline_topics(topics)
    admin = admin_client(settings.kafka)
    create_topics(settings.kafka, specs, admin=admin)
    try:
        from producers.contract import encode_touchpoint, validate_touchpoint
        from producers.keys import identity_key

        now = datetime.now(UTC)
        sample = validate_touchpoint(
            {
                "event_id": str(uuid.uuid4()),
                "event_time": now,
                "received_time": now,
                "source": "bench",
                "channel": "web",
                "event_type": "page_view",
                "anonymous_id": "a-1",
                "page": "/p",
                "properties": {"i": "1"},
            }
        )
        values = [
            (identity_key({"anonymous_id": f"a-{i % 5000}"}), encode_touchpoint(sample)) for i in range(args.events)
        ]
        # Rounds alternate the bare producer and the SDK: on this shared machine one run's figure
        # swings by 20-30%, and a slow minute then hits both, not only one of them.
        bares, sdks = [], []
        for r in range(args.rounds):
            bares.append(bare_ceiling(settings, values))
            sdks.append(sdk_rate(settings, args.events))
            print(
                f"  round {r + 1}: bare {bares[-1]:,.0f} msg/s, SDK {sdks[-1]:,.0f} ev/s ({sdks[-1] / bares[-1]:.0%})"
            )
        bare, sdk = statistics.median(bares), statistics.median(sdks)
        print(
            f"bare kafka-python producer (acks=all, idempotent, {settings.producer.compression}): {bare:,.0f} msg/s "
            f"(median of {args.rounds})"
        )
        print(f"SDK Tracker.track (validate + encode + send): {sdk:,.0f} ev/s = {sdk / bare:.0%} of the bare ceiling")
        # The collector's ceiling is the HTTP stack's, not only the producer's: the same load against
        # uvicorn + Starlette + orjson + the bare producer, with none of the collector's work. Rounds
        # alternate the two here too, for the same reason as above.
        http_bares, https = [], []
        for r in range(args.rounds):
            http_bares.append(collector_rate(settings, args.http_events, args.clients, args.batch, 1, bare=True))
            https.append(collector_rate(settings, args.http_events, args.clients, args.batch, args.workers))
            print(
                f"  round {r + 1}: bare HTTP {http_bares[-1]:,.0f} ev/s, collector {https[-1]:,.0f} ev/s "
                f"({https[-1] / http_bares[-1]:.0%})"
            )
        http_bare, http = statistics.median(http_bares), statistics.median(https)
        print(
            f"bare HTTP ceiling (uvicorn + Starlette + orjson + bare producer, bench/bare_collector.py): "
            f"{http_bare:,.0f} ev/s (median of {args.rounds})"
        )
        print(
            f"collector /v1/batch ({args.clients} clients, {args.batch} events per batch, {args.workers} worker): "
            f"{http:,.0f} ev/s = {http / bare:.0%} of the bare producer, {http / http_bare:.0%} of the bare HTTP ceiling"
        )
        # The targets are absolute (50,000 and 20,000 ev/s) unless the libraries underneath cannot
        # reach them on this machine: then 80% of what they do, measured in this run.
        print(
            f"targets: SDK >= {min(50_000, 0.8 * bare):,.0f} ev/s (50,000, or 80% of the bare producer), "
            f"collector >= {min(20_000, 0.8 * bare, 0.8 * http_bare):,.0f} ev/s "
            "(20,000, or 80% of the lower of the two bare ceilings)"
        )
    finally:
        admin.delete_topics([s.name for s in specs], raise_errors=False)
        admin.close()


if __name__ == "__main__":
    main()
