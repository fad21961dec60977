"""Stitcher benchmark: throughput of one process, produce-to-stitched latency, restore time.

    .venv/bin/python bench/stitch.py [--events 200000] [--customers 10000] [--rate 5000] [--seconds 20]
                                     [--repeat 3] [--throughput-only | --latency-only]
                                     [--instances N]

Needs the broker (`journeys stack up`). Creates throw-away topics `bench.<id>.*` (8
partitions, as in production) and deletes them. Prints, from the same run:

* the bare kafka-python ceilings on this machine: a durable producer (acks=all,
  idempotence) and a read_committed consumer, in messages per second;
* the same consumer with the stitcher's record loop (``journeys.record_reader``), for
  comparison only;
* the bare ceiling under the stitcher: the same consumer decoding each event with the
  contract's codec (every event is read and decoded at least once);
* the stitcher's throughput from the raw topic to emitted journeys (target >= 30,000 ev/s,
  or >= 80% of consume + decode when that is lower), with and without the stitched output
  (``JOURNEYS_STITCHER_EMIT_STITCHED``; one StitchedBatch per customer and commit), ``--repeat``
  runs each on fresh topics, and their median (single runs of the same code here usually differ
  by ~15%, now and then by half), after one short warm-up run that is not counted;
* p50 and p99 latency from produce to the event's appearance in the stitched topic
  (read_committed) at a steady rate (target p99 < 1 s);
* the time to restore one instance's state after a restart;
* with ``--instances N``, the throughput of N stitcher processes in one consumer group (the
  scale-out path: events whose customer another instance owns go through the repartition
  topic).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import random
import statistics
import threading
import time
import uuid
from typing import Any

from journeys import logs
from journeys.settings import Settings, StitcherSettings, TopicSettings
from journeys.topics import admin_client, create_topics, pipeline_topics
from producers.keys import identity_key
from schemas.serde import Serde


def events(n: int, customers: int, *, seed: int = 3, now_ms: int | None = None) -> list[dict[str, Any]]:
    """``n`` touchpoints of ``customers`` people, in the order they happen: each visits on the
    web anonymously, logs in a few events later, continues in the app and reads an email;
    visits overlap (about ``customers / 20`` people are active at once)."""
    rng = random.Random(seed)
    base = (now_ms or int(time.time() * 1000)) - 6 * 3_600_000
    per = max(4, n // customers)
    out = []
    for c in range(customers):
        t = base + c * 1_000  # a new visitor every second of event time
        login = rng.randrange(2, per)
        for i in range(per):
            t += rng.randrange(2_000, 60_000)
            channel = "web" if i < per // 2 else rng.choice(("app", "app", "email", "web"))
            ids: dict[str, str] = {
                "web": {"anonymous_id": f"anon-{c}"},
                "app": {"device_id": f"device-{c}"},
                "email": {"email_hash": f"email-{c}"},
            }[channel]
            if i >= login and (i == login or channel == "app" or rng.random() < 0.2):
                ids = {**ids, "customer_id": f"cust-{c}"}
            out.append(
                {
                    "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "event_time": t,
                    "received_time": t,
                    "source": "bench",
                    "channel": channel,
                    "event_type": rng.choice(("page_view", "click", "add_to_cart", "search", "screen_view")),
                    **ids,
                }
            )
    out.sort(key=lambda e: e["event_time"])
    return out[:n]


def topic_set(base: Settings, admin: Any, name: str) -> Settings:
    prefix = f"bench.{uuid.uuid4().hex[:8]}.{name}."
    topics = TopicSettings(prefix=prefix, raw_partitions=8, partitions=8)
    create_topics(base.kafka, pipeline_topics(topics), admin=admin)
    return base.model_copy(update={"topics": topics})


def produce(settings: Settings, encoded: list[tuple[bytes, bytes]]) -> float:
    """Send with the SDK's durable producer settings; return messages per second."""
    from producers.kafka_producer import make_producer

    producer = make_producer(settings, client_suffix="bench-stitch")
    topic = settings.topics.name(settings.topics.raw)
    started = time.perf_counter()
    for key, value in encoded:
        producer.send(topic, key=key, value=value)
    producer.flush()
    elapsed = time.perf_counter() - started
    producer.close()
    return len(encoded) / elapsed


def consume_ceiling(settings: Settings, n: int, decode: Any = None, *, reader: bool = False) -> float:
    """A read_committed consumer of the raw topic, messages per second; with ``decode`` (the
    contract's TouchpointEvent codec) it also decodes each, as the stitcher must; with
    ``reader`` it reads records with the stitcher's ``journeys.record_reader``."""
    from kafka import KafkaConsumer

    from journeys import record_reader

    consumer = KafkaConsumer(
        settings.topics.name(settings.topics.raw),
        **settings.kafka.client_config(),
        group_id=None,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
        consumer_timeout_ms=5000,
    )
    if reader:
        assert record_reader.install(consumer)
    count, started = 0, time.perf_counter()
    for message in consumer:
        if decode is not None:
            decode(message.value)
        count += 1
        if count == n:
            break
    elapsed = time.perf_counter() - started
    consumer.close()
    return count / elapsed


def _rate(stats: Any) -> float:
    """One stitcher run's events per second, from its first record to its last commit."""
    return float(stats.consumed / max(stats.busy_s, 1e-9))


def _drop(admin: Any, created: list[Settings], *sets: Settings) -> None:
    """Delete these topic sets (all of ``created`` when none is named) and stop tracking them."""
    sets = sets or tuple(created)
    names = [spec.name for s in sets for spec in pipeline_topics(s.topics)]
    if names:
        admin.delete_topics(names, raise_errors=False)
    for s in sets:
        created.remove(s)


def _rejoins(stats: Any) -> str:
    """What made a run slower than it is: restores after the first (a rebalance), restarts."""
    extra = [f"{stats.restores - 1} more restores"] if stats.restores > 1 else []
    extra += [f"{stats.restarts} restarts"] if stats.restarts else []
    return "; " + ", ".join(extra) if extra else ""


def stitch(settings: Settings, group: str, **overrides: Any) -> Any:
    from consumers.runner import Stitcher

    stitcher = StitcherSettings(group_id=group, **overrides)
    return Stitcher(settings.model_copy(update={"stitcher": stitcher}), until_idle_s=2.0).run()


def latency(
    settings: Settings, codec: Any, *, rate: int, seconds: float, customers: int, **overrides: Any
) -> list[float]:
    """Produce at ``rate`` ev/s while a stitcher runs; return produce-to-stitched latencies in s."""
    import sys

    from kafka import KafkaConsumer

    from consumers.api import spawn_worker

    group = f"bench-latency-{uuid.uuid4().hex[:6]}"
    run_settings = settings.model_copy(
        update={"stitcher": StitcherSettings(group_id=group, status_interval_s=5.0, **overrides)}
    )
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="bench-stitch-"))
    worker = spawn_worker(run_settings, 0, folder, log_path=folder / "worker.log")
    sent: dict[str, float] = {}
    seen: list[float] = []
    stop = threading.Event()

    def read() -> None:
        batches = Serde(settings.serde, plain_timestamps=True).codec("StitchedBatch")
        consumer = KafkaConsumer(
            settings.topics.name(settings.topics.stitched),
            **settings.kafka.client_config(),
            group_id=None,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
        )
        while not stop.is_set():
            for messages in consumer.poll(timeout_ms=100).values():
                arrived = time.time()
                for m in messages:
                    for touchpoint in batches.decode(m.value)["touchpoints"]:
                        event_id = touchpoint["event"]["event_id"]
                        if event_id in sent:
                            seen.append(arrived - sent[event_id])
        consumer.close()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(8.0)  # the worker joins its group and restores (nothing) first
    from producers.kafka_producer import make_producer

    producer = make_producer(settings, client_suffix="bench-latency")
    topic = settings.topics.name(settings.topics.raw)
    rng = random.Random(9)
    started = time.perf_counter()
    i = 0
    total = int(rate * seconds)
    while i < total:
        due = started + i / rate
        pause = due - time.perf_counter()
        if pause > 0.001:  # pace in 1 ms steps: a sleep per event costs the reader thread the GIL
            time.sleep(pause)
        now_ms = int(time.time() * 1000)
        c = rng.randrange(customers)
        event = {
            "event_id": str(uuid.uuid4()),
            "event_time": now_ms,
            "received_time": now_ms,
            "source": "bench",
            "channel": "web",
            "event_type": "page_view",
            "anonymous_id": f"live-{c}",
        }
        sent[str(event["event_id"])] = time.time()
        producer.send(topic, key=identity_key(event), value=codec.encode(event))
        i += 1
    producer.flush()
    time.sleep(3.0)
    stop.set()
    reader.join(10)
    producer.close()
    worker.terminate()
    worker.wait(30)
    warm = int(len(seen) * 0.1)  # the first seconds include connection set-up
    print(
        f"  (latency sample: {len(seen) - warm:,} of {len(sent):,} events; worker log {folder / 'worker.log'})",
        file=sys.stderr,
    )
    return seen[warm:]


def scale_out(
    base: Settings, admin: Any, created: list[Settings], encoded: list[tuple[bytes, bytes]], instances: int
) -> None:
    """``instances`` worker processes in one group, from the raw topic to emitted journeys."""
    from consumers.api import run

    topics = topic_set(base, admin, f"scale{instances}")
    created.append(topics)
    produce(topics, encoded)
    stitcher = StitcherSettings(group_id=f"bench-scale-{uuid.uuid4().hex[:6]}")
    stats = run(topics.model_copy(update={"stitcher": stitcher}), instances=instances, until_idle_s=2.0)
    # They start together; the longest busy time spans the group's work. An instance's
    # `consumed` counts the events it read from the repartition topic too (those whose customer
    # it owns, sent over by another instance): the group's rate is the raw topic's events.
    span = max(s.busy_s for s in stats)
    each = ", ".join(f"{s.consumed:,} read in {s.busy_s:.1f} s" for s in stats)
    crossed = sum(s.consumed for s in stats) - len(encoded)
    print(
        f"  {instances} stitcher processes in one group:          {len(encoded) / max(span, 1e-9):>10,.0f} ev/s "
        f"({each}; {crossed:,} events crossed to their owner through the repartition topic)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=5_000, help="Steady produce rate of the latency run, ev/s.")
    parser.add_argument("--seconds", type=float, default=20.0, help="Length of the latency run, s.")
    parser.add_argument("--latency-only", action="store_true", help="Skip the throughput and restore runs.")
    parser.add_argument("--throughput-only", action="store_true", help="Skip the latency run.")
    parser.add_argument(
        "--repeat", type=int, default=3, help="Stitcher throughput runs (each on its own topics); the median counts."
    )
    parser.add_argument(
        "--instances", type=int, default=0, help="Also measure this many stitcher processes in one group."
    )
    parser.add_argument(
        "--commit-interval-ms", type=int, default=None, help="Override the stitcher's commit interval (A/B runs)."
    )
    args = parser.parse_args()
    logs.configure(level=logging.WARNING)

    base = Settings()
    admin = admin_client(base.kafka)
    created: list[Settings] = []
    try:
        serde = Serde(base.serde)
        codec = serde.codec("TouchpointEvent")
        stream = events(args.events, args.customers)
        encoded = [(identity_key(e), codec.encode(e)) for e in stream]
        print(f"stitcher benchmark: {args.events:,} events of {args.customers:,} customers, 8 partitions")
        import consumers.runner  # noqa: F401  (loads the compiled modules there are)
        from journeys import native

        compiled = native.compiled()
        from schemas import ahead, fastcodec

        print(
            f"  compiled modules (journeys/native.py): {sum(compiled.values())} of {len(native.COMPILED)}; "
            f"Avro codecs compiled ahead of time (schemas/ahead.py): {len(fastcodec._ahead_of_time())} of {len(ahead.HOT)}"
        )
        if not args.latency_only:
            throughput(base, admin, created, encoded, args.repeat)
            if args.instances > 1:
                scale_out(base, admin, created, encoded, args.instances)
            # The latency run measures in this process and shares 2 cores with the broker: drop
            # the throughput topics (the broker would compact their changelogs meanwhile) and the
            # 200k encoded events (every GC pass would walk them while the reader timestamps).
            _drop(admin, created)
        del stream, encoded
        if args.throughput_only:
            return
        gc.collect()
        gc.freeze()
        live = topic_set(base, admin, "latency")
        created.append(live)
        overrides = {} if args.commit_interval_ms is None else {"commit_interval_ms": args.commit_interval_ms}
        print(f"  load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        samples = latency(live, codec, rate=args.rate, seconds=args.seconds, customers=args.customers, **overrides)
        if samples:
            p50 = statistics.median(samples)
            p99 = statistics.quantiles(samples, n=100)[98] if len(samples) >= 100 else max(samples)
            print(
                f"  latency at {args.rate:,} ev/s, produce -> stitched: p50 {p50 * 1000:,.0f} ms, "
                f"p99 {p99 * 1000:,.0f} ms"
            )
        else:
            print("  latency: no stitched event was read back; see the worker log")
    finally:
        _drop(admin, created)
        admin.close()


def throughput(
    base: Settings, admin: Any, created: list[Settings], encoded: list[tuple[bytes, bytes]], repeat: int = 1
) -> None:
    """Bare ceilings, the stitcher with and without stitched output (``repeat`` times each, in
    turn: this machine's runs of the same code usually differ by ~15%, now and then by half),
    restore time."""
    full = topic_set(base, admin, "full")
    lean = topic_set(base, admin, "lean")
    created += [full, lean]
    producer_ceiling = produce(full, encoded)
    produce(lean, encoded)
    consumer_ceiling = consume_ceiling(full, len(encoded))
    decode = Serde(base.serde, plain_timestamps=True).codec("TouchpointEvent").decode  # as the stitcher
    decode_ceiling = consume_ceiling(full, len(encoded), decode=decode)
    print(f"  bare producer ceiling (acks=all, idempotent):    {producer_ceiling:>10,.0f} msg/s")
    print(f"  bare consumer ceiling (read_committed):          {consumer_ceiling:>10,.0f} msg/s")
    # The project's record loop, for comparison only: the ceilings and the target stay kafka-python's.
    print(
        f"  the same consumer with journeys.record_reader:   {consume_ceiling(full, len(encoded), reader=True):>10,.0f} msg/s"
    )
    print(f"  bare consumer + contract decode of each event:   {decode_ceiling:>10,.0f} ev/s")

    # A broker just started runs its transaction and compaction paths interpreted until the JVM
    # compiles them: the first stitcher run after `journeys stack up` was up to a third slower
    # here. One short run on throw-away topics first, printed but not counted.
    warm = topic_set(base, admin, "warm")
    created.append(warm)
    produce(warm, encoded[: len(encoded) // 4])
    warm_stats = stitch(warm, f"bench-warm-{uuid.uuid4().hex[:6]}")
    print(
        f"  warm-up (not counted):                           {_rate(warm_stats):>10,.0f} ev/s "
        f"({warm_stats.consumed:,} events)"
    )
    _drop(admin, created, warm)

    group = f"bench-{uuid.uuid4().hex[:6]}"
    rates_on: list[float] = []
    rates_off: list[float] = []
    for run in range(repeat):
        # Each run on topics of its own: a stitcher restores what the changelog holds, so a
        # second run on the same topics would find every event a duplicate.
        on = full
        if run:
            on, lean = topic_set(base, admin, f"full{run}"), topic_set(base, admin, f"lean{run}")
            created += [on, lean]
            produce(on, encoded)
            produce(lean, encoded)
        stats = stitch(on, group if not run else f"{group}-{run}")
        rates_on.append(_rate(stats))
        print(
            f"  stitcher, stitched output on:                    {rates_on[-1]:>10,.0f} ev/s "
            f"({stats.consumed:,} events in {stats.busy_s:.1f} s, {stats.journeys_emitted:,} journey records{_rejoins(stats)})"
        )
        lean_stats = stitch(lean, f"{group}-lean-{run}", emit_stitched=False)
        rates_off.append(_rate(lean_stats))
        print(
            f"  stitcher, stitched output off:                   {rates_off[-1]:>10,.0f} ev/s "
            f"({lean_stats.consumed:,} events in {lean_stats.busy_s:.1f} s{_rejoins(lean_stats)})"
        )
        if run:  # the first run's topics stay for the restore below
            _drop(admin, created, on, lean)
    rate_full = statistics.median(rates_on)
    if repeat > 1:
        print(
            f"  median of {repeat} runs: stitched output on {rate_full:,.0f} ev/s "
            f"(runs {min(rates_on):,.0f}-{max(rates_on):,.0f}), off {statistics.median(rates_off):,.0f} ev/s "
            f"({min(rates_off):,.0f}-{max(rates_off):,.0f})"
        )
    # Every event is read and decoded at least once (then repartitioned, read again, appended to
    # a journey and written in a batch): the bare consume + decode loop bounds the stitcher.
    target = min(30_000, 0.8 * decode_ceiling)
    print(
        f"  throughput target: >= {target:,.0f} ev/s (30,000, or 80% of consume + decode if lower); "
        f"stitcher{' (median)' if repeat > 1 else ''}: {rate_full:,.0f} ev/s = {rate_full / decode_ceiling:.0%} "
        f"of consume + decode: {'met' if rate_full >= target else 'not met'}"
    )

    restored = stitch(full, group)
    print(f"  restore after restart (all 16 partitions):       {restored.restore_s:>10.2f} s")


if __name__ == "__main__":
    main()
