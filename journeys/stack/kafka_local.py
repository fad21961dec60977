"""A single-node Apache Kafka (KRaft) broker on loopback, without Docker.

``up`` is idempotent: it fetches the broker's jars from Maven Central once into
a cache shared by every clone, formats a KRaft log dir once, starts the broker
in the background, waits until it answers, and records its pid and log file.
``down`` stops only the broker that ``up`` started. Users with their own Kafka
never call this: they set ``JOURNEYS_KAFKA_BOOTSTRAP_SERVERS``.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from journeys.errors import ConfigurationError, StackError
from journeys.settings import Settings

__all__ = ["LocalKafka", "StackStatus", "is_loopback", "kafka_answers"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
_MIN_JAVA = 17
_INSTALL_JAVA = (
    "install Java 17+ (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`), "
    "or run the stack with Docker (`docker compose up -d`), "
    "or point JOURNEYS_KAFKA_BOOTSTRAP_SERVERS at an existing Kafka cluster"
)


def is_loopback(host: str) -> bool:
    """True for an address of this machine's loopback (where `journeys stack` may run a broker)."""
    return host in _LOOPBACK or host.startswith("127.")


def kafka_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a Kafka broker answers an ApiVersions request at host:port.

    A raw request rather than a kafka-python client: it answers in milliseconds
    and tells a Kafka broker apart from any other program holding the port.
    """
    client_id = b"journeys-probe"
    # ApiVersions (key 18) v0: header = api_key, api_version, correlation_id, client_id
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(struct.pack(">i", len(body)) + body)
            header = _read_exactly(sock, 10)
    except OSError:
        return False
    if header is None:
        return False
    size, correlation_id, error_code = struct.unpack(">iih", header)
    return size > 6 and correlation_id == 7 and error_code == 0


def _read_exactly(sock: socket.socket, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _port_in_use(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class StackStatus:
    """What ``journeys stack status`` reports."""

    running: bool
    bootstrap: str
    pid: int | None
    log_file: Path | None
    managed: bool  # started by `journeys stack up` (False: someone else's broker, or none)
    detail: str


def new_cluster_id() -> str:
    """A random KRaft cluster id, as Kafka's own Uuid.randomUuid makes them.

    Ids are url-safe base64, so one in 64 starts with "-"; Kafka never hands those out because
    command-line tools take them for an option (`kafka-storage format -t -x...` fails with
    "expected one argument").
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class LocalKafka:
    """The local broker described by ``settings``: its files, process and lifecycle."""

    def __init__(self, settings: Settings, *, say: Callable[[str], None] = lambda _msg: None) -> None:
        self.settings = settings
        self._say = say
        server = settings.kafka.servers[0]
        host, _, port = server.rpartition(":")
        self.host = host.strip("[]")
        self.port = int(port)
        self.controller_port = settings.stack.controller_port or self.port + 1
        self.dir = settings.stack_dir.resolve()
        self.log_dir = self.dir / "kraft-logs"
        self.properties = self.dir / "server.properties"
        self.pid_file = self.dir / "broker.pid"
        self.log_file = self.dir / "broker.log"
        version = settings.stack.kafka_version
        self.jars_dir = settings.stack.cache_dir.expanduser() / f"kafka-{version}" / "libs"

    # -- public lifecycle ------------------------------------------------

    def up(self) -> StackStatus:
        """Start the broker unless one already answers; return once it does."""
        if self.host not in _LOOPBACK:
            return self._remote_status()
        with self._lock():
            pid = self._managed_pid()
            if kafka_answers(self.host, self.port):
                detail = "already running" if pid else "a Kafka broker not started by journeys is already up"
                return self._status(detail)
            if pid is not None:
                # Our broker is alive but not answering yet (still starting): wait for it.
                self._wait_until_ready(pid)
                return self._status("started")
            self._check_ports_free()
            self._check_java()
            self._ensure_jars()
            self._write_config()
            self._format_log_dir()
            pid = self._start()
            self._wait_until_ready(pid)
            return self._status("started")

    def down(self) -> StackStatus:
        """Stop the broker that ``up`` started; leave any other broker alone."""
        with self._lock():
            pid = self._managed_pid()
            if pid is None:
                detail = "not running (nothing started by journeys)"
                if kafka_answers(self.host, self.port):
                    detail = "a broker not started by journeys answers there; left alone"
                return self._status(detail)
            self._say(f"stopping broker pid {pid}")
            os.kill(pid, signal.SIGTERM)
            if not _wait_for_exit(pid, timeout=45.0):
                os.kill(pid, signal.SIGKILL)
                _wait_for_exit(pid, timeout=10.0)
            self.pid_file.unlink(missing_ok=True)
            return self._status("stopped")

    def status(self) -> StackStatus:
        if self.host not in _LOOPBACK:
            return self._remote_status()
        pid = self._managed_pid()
        if kafka_answers(self.host, self.port):
            return self._status("up" if pid else "up (not started by journeys)")
        return self._status("starting" if pid else "down")

    # -- steps -------------------------------------------------------------

    def _remote_status(self) -> StackStatus:
        answers = kafka_answers(self.host, self.port, timeout=3.0)
        detail = "existing cluster answers" if answers else "existing cluster does not answer"
        return StackStatus(answers, self.settings.kafka.bootstrap_servers, None, None, False, detail)

    def _status(self, detail: str) -> StackStatus:
        pid = self._managed_pid()
        return StackStatus(
            running=kafka_answers(self.host, self.port),
            bootstrap=f"{self.host}:{self.port}",
            pid=pid,
            log_file=self.log_file if self.log_file.exists() else None,
            managed=pid is not None,
            detail=detail,
        )

    def _check_ports_free(self) -> None:
        for port, role in ((self.port, "broker"), (self.controller_port, "controller")):
            if _port_in_use(self.host, port):
                raise StackError(
                    f"port {port} on {self.host} (the {role} port) is taken by another program that is not "
                    f"a Kafka broker. Stop that program, or choose other ports: set "
                    f"JOURNEYS_KAFKA_BOOTSTRAP_SERVERS={self.host}:<free port> (the controller uses the next port)."
                )

    def _check_java(self) -> None:
        java = shutil.which("java")
        if java is None:
            raise ConfigurationError(f"Java was not found on PATH; the local Kafka broker needs it: {_INSTALL_JAVA}.")
        out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
        match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
        if match:
            major = int(match.group(1))
            if major == 1 and match.group(2):  # "1.8" style
                major = int(match.group(2))
            if major < _MIN_JAVA:
                raise ConfigurationError(f"Java {major} found; Kafka 4 needs Java {_MIN_JAVA}+: {_INSTALL_JAVA}.")

    def _ensure_jars(self) -> None:
        if (self.jars_dir / ".complete").exists():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ConfigurationError(
                "Maven (`mvn`) was not found on PATH; it fetches Kafka's jars from Maven Central once "
                f"(into {self.jars_dir}). Install it (Debian/Ubuntu: `apt-get install maven`; macOS: "
                "`brew install maven`), or use Docker (`docker compose up -d`), or point "
                "JOURNEYS_KAFKA_BOOTSTRAP_SERVERS at an existing Kafka cluster."
            )
        self._say(f"fetching Apache Kafka {self.settings.stack.kafka_version} jars into {self.jars_dir} (once)")
        self.jars_dir.parent.mkdir(parents=True, exist_ok=True)
        # Download into a temporary sibling, then rename: an interrupted download is never used.
        with tempfile.TemporaryDirectory(dir=self.jars_dir.parent) as tmp:
            pom = Path(tmp) / "pom.xml"
            pom.write_bytes(resources.files("journeys.stack").joinpath("pom.xml").read_bytes())
            target = Path(tmp) / "libs"
            cmd = [
                mvn, "-q", "-B", "-f", str(pom), f"-Dkafka.version={self.settings.stack.kafka_version}",
                "dependency:copy-dependencies", f"-DoutputDirectory={target}",
            ]  # fmt: skip
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if result.returncode != 0 or not any(target.glob("kafka_2.13-*.jar")):
                raise StackError(
                    "Maven could not fetch Kafka's jars from Maven Central "
                    f"(exit {result.returncode}): {(result.stdout + result.stderr).strip()[-2000:]}\n"
                    "Check the network access to Maven Central (or ~/.m2/settings.xml mirrors), then run again."
                )
            (target / ".complete").write_text(self.settings.stack.kafka_version)
            if self.jars_dir.exists():
                shutil.rmtree(self.jars_dir)
            target.rename(self.jars_dir)

    def _write_config(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        template = resources.files("journeys.stack").joinpath("server.properties").read_text()
        self.properties.write_text(
            template.format(host=self.host, port=self.port, controller_port=self.controller_port, log_dir=self.log_dir)
        )
        log4j = self.dir / "log4j2.yaml"
        log4j.write_bytes(resources.files("journeys.stack").joinpath("log4j2.yaml").read_bytes())

    def _format_log_dir(self) -> None:
        if (self.log_dir / "meta.properties").exists():
            return
        cmd = [
            *self._java_cmd(),
            "kafka.tools.StorageTool",
            "format",
            # "=" keeps argparse from reading an id that starts with "-" as an option.
            f"--cluster-id={new_cluster_id()}",
            "-c",
            str(self.properties),
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise StackError(
                f"formatting the KRaft log dir {self.log_dir} failed: {(result.stdout + result.stderr).strip()[-2000:]}"
                f"\nDelete {self.dir} and run `journeys stack up` again."
            )

    def _java_cmd(self) -> list[str]:
        return [
            "java",
            f"-Xmx{self.settings.stack.heap}",
            "-Xms256m",
            f"-Dlog4j2.configurationFile={self.dir / 'log4j2.yaml'}",
            f"-Dkafka.logs.dir={self.dir}",
            "-cp",
            f"{self.jars_dir}/*",
        ]

    def _start(self) -> int:
        self._say(f"starting Kafka on {self.host}:{self.port} (log: {self.log_file})")
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(  # fixed argv, no shell
                [*self._java_cmd(), "kafka.Kafka", str(self.properties)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # survives the terminal and Ctrl+C of the caller
                close_fds=True,
            )
        self.pid_file.write_text(str(proc.pid))
        return proc.pid

    def _wait_until_ready(self, pid: int) -> None:
        deadline = time.monotonic() + self.settings.stack.start_timeout_s
        while time.monotonic() < deadline:
            if not _alive(pid):
                self.pid_file.unlink(missing_ok=True)
                raise StackError(
                    f"the Kafka broker (pid {pid}) exited while starting. Last lines of {self.log_file}:\n"
                    f"{_tail(self.log_file)}"
                )
            if kafka_answers(self.host, self.port) and self._metadata_ready():
                return
            time.sleep(0.5)
        raise StackError(
            f"the Kafka broker (pid {pid}) did not answer on {self.host}:{self.port} within "
            f"{self.settings.stack.start_timeout_s:.0f} s. See {self.log_file}; raise "
            "JOURNEYS_STACK_START_TIMEOUT_S on a slow machine."
        )

    def _metadata_ready(self) -> bool:
        """The broker has registered with the controller and can serve metadata."""
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(
                bootstrap_servers=f"{self.host}:{self.port}",
                request_timeout_ms=3000,
                client_id="journeys-stack",
            )
        except KafkaError:
            return False
        try:
            return bool(admin.describe_cluster().get("brokers"))
        except KafkaError:
            return False
        finally:
            admin.close()

    # -- process bookkeeping -------------------------------------------------

    def _managed_pid(self) -> int | None:
        """The pid in our pid file, if that process is alive and is our broker."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if _alive(pid) and "kafka.Kafka" in _cmdline(pid) and str(self.properties) in _cmdline(pid):
            return pid
        self.pid_file.unlink(missing_ok=True)  # stale: the broker died or the pid was reused
        return None

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise concurrent `stack up`/`down` (e.g. two test sessions starting at once)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child (ours, not yet reaped) is not alive, once reaped. A JVM shows "Z" as soon as
    # its main thread exits while its other threads still shut down: waitpid then reaps nothing
    # yet, and the process is still there (test_stack once saw it outlive `down`).
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            try:
                reaped, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return False  # not our child: its parent reaps it
            return reaped != pid
    return True


def _cmdline(pid: int) -> str:
    proc = Path(f"/proc/{pid}/cmdline")
    if proc.exists():
        with contextlib.suppress(OSError):
            return proc.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    out = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True, check=False)
    return out.stdout


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
