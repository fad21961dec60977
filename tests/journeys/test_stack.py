"""`journeys stack`: idempotent start, clean stop, and clear errors."""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journeys.cli import app
from journeys.errors import ConfigurationError, StackError
from journeys.settings import KafkaSettings, Settings, StackSettings
from journeys.stack import LocalKafka, kafka_answers, kafka_local
from journeys.stack.kafka_local import new_cluster_id


def _free_port_pair() -> int:
    """A port p such that p and p + 1 (the controller) are both free."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair")


def _settings(tmp_path: Path, port: int, **stack: object) -> Settings:
    return Settings(
        data_dir=tmp_path,
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{port}"),
        stack=StackSettings(**stack),  # type: ignore[arg-type]
    )


@pytest.fixture
def listener() -> Iterator[int]:
    """A program that is not Kafka holding a port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_up_returns_at_once_when_the_broker_is_already_up(broker: KafkaSettings, tmp_path: Path) -> None:
    local = LocalKafka(Settings(data_dir=tmp_path, kafka=broker))
    status = local.up()
    assert status.running
    assert "already" in status.detail or "not started by journeys" in status.detail
    assert not (tmp_path / "kafka" / "broker.pid").exists(), "must not start a second broker"


def test_a_port_taken_by_another_program_is_reported(listener: int, tmp_path: Path) -> None:
    with pytest.raises(StackError, match=rf"port {listener} .* taken by another program"):
        LocalKafka(_settings(tmp_path, listener)).up()


def test_missing_java_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(ConfigurationError, match=r"Java was not found.*install Java 17"):
        LocalKafka(_settings(tmp_path, _free_port_pair())).up()


def test_missing_maven_is_explained_when_jars_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = shutil.which("java")
    assert java, "the test machine has Java"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(java)
    monkeypatch.setenv("PATH", str(bin_dir))
    settings = _settings(tmp_path, _free_port_pair(), cache_dir=tmp_path / "empty-cache")
    with pytest.raises(ConfigurationError, match=r"Maven \(`mvn`\) was not found"):
        LocalKafka(settings).up()


def test_up_twice_then_down_leaves_no_process(broker: KafkaSettings, tmp_path: Path) -> None:
    # `broker` first: the shared jar cache is filled before this second broker starts.
    port = _free_port_pair()
    local = LocalKafka(_settings(tmp_path, port))
    first = local.up()
    try:
        assert first.running and first.managed and first.pid
        again = local.up()
        assert again.pid == first.pid and again.detail == "already running"
        assert local.status().detail == "up"
    finally:
        stopped = local.down()
    assert stopped.detail == "stopped" and not stopped.running
    assert first.pid is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and os.path.exists(f"/proc/{first.pid}"):
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{first.pid}"), "the broker process must be gone"
    assert not kafka_answers("127.0.0.1", port)
    assert local.down().detail.startswith("not running")


def test_status_command_exits_non_zero_when_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNEYS_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{_free_port_pair()}")
    monkeypatch.setenv("JOURNEYS_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["stack", "status"])
    assert result.exit_code == 3
    assert "down" in result.output


def test_cluster_ids_never_start_with_a_dash() -> None:
    # One url-safe base64 id in 64 starts with "-"; 2,000 draws miss that case with p ~ 1e-14.
    assert not any(new_cluster_id().startswith("-") for _ in range(2000))


def test_the_log_dir_formats_even_with_an_id_that_starts_with_a_dash(
    broker: KafkaSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CI failed once on exactly this: `format -t -B0...` read the id as an option.
    monkeypatch.setattr(kafka_local, "new_cluster_id", lambda: "-B0bEdCyS7e2rW9sdNuAbQ")
    local = LocalKafka(_settings(tmp_path, _free_port_pair()))
    local._write_config()
    local._format_log_dir()
    meta = (local.log_dir / "meta.properties").read_text()
    assert "cluster.id=-B0bEdCyS7e2rW9sdNuAbQ" in meta
