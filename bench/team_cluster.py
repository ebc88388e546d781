"""The team bench's moving parts: a private PostgreSQL that can be killed with SIGKILL and
started again on its data, and ``aiusage serve`` on it as the team server.

Why not scripts/pg.py's throwaway cluster as it is: that one turns fsync and
synchronous_commit off for speed, so a PostgreSQL killed mid-push may forget commits it
already acknowledged, which is exactly what the fault test must not excuse. This one keeps
PostgreSQL's durable defaults.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import pg  # noqa: E402  (scripts/pg.py: finding, installing and running PostgreSQL)


class Postgres:
    """One cluster in a temporary folder, on a fixed port across restarts."""

    def __init__(self) -> None:
        self.bindir = pg.ensure_postgres()
        self.tmp = pg._make_tmpdir()
        self.data, self.log = self.tmp / "data", self.tmp / "server.log"
        self.port = pg._free_port()
        sock = self.tmp / "sock"
        initdb = [str(self.bindir / "initdb"), "-D", str(self.data), "-U", pg.SUPERUSER]
        pg._run(
            pg._as_owner([*initdb, "-A", "trust", "-E", "UTF8", "--no-locale"]), self.tmp, "initdb"
        )
        sock.mkdir(mode=0o700)
        os.chown(sock, self.data.stat().st_uid, self.data.stat().st_gid)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# aiusage team bench: durable commits (the defaults), a few more buffers\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{sock}'\n"
                "shared_buffers = 256MB\n"
                "max_wal_size = 2GB\n"
            )
        self.start()
        createdb = shutil.which("createdb") or str(self.bindir / "createdb")
        cmd = [createdb, "-h", "127.0.0.1", "-p", str(self.port), "-U", pg.SUPERUSER, "team"]
        pg._run(cmd, self.tmp, "createdb")
        self.url = f"postgresql+psycopg://{pg.SUPERUSER}@127.0.0.1:{self.port}/team"

    def start(self) -> None:
        start = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log)]
        start += ["-o", f"-p {self.port}", "-w", "-t", "120", "start"]
        pg._run(pg._as_owner(start), self.tmp, "pg_ctl start", new_session=True)

    def kill(self) -> int:
        """SIGKILL the postmaster and every backend at once (a crash, not a shutdown)."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        victims = [pid, *_children(pid)]
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(_alive(v) for v in victims) and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(victims)

    def close(self) -> None:
        try:
            pg._stop(self.bindir, self.data, self.tmp)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Server:
    """``aiusage serve --no-collect`` on the team database, restartable on its port."""

    def __init__(self, home: Path, database_url: str) -> None:
        self.home, self.database_url = home, database_url
        self.port = pg._free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        home.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        env = {**os.environ, "AIUSAGE_HOME": str(self.home), "AIUSAGE_TZ": "UTC"}
        env["PYTHONPATH"] = str(ROOT / "src")  # this tree's aiusage, whatever is installed
        cmd = [sys.executable, "-m", "aiusage", "serve", "--port", str(self.port)]
        cmd += ["--no-collect", "--database", self.database_url]
        with (self.home / "serve.log").open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"aiusage serve exited; see {self.home / 'serve.log'}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"aiusage serve did not start; see {self.home / 'serve.log'}")
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
