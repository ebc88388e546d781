#!/usr/bin/env python3
"""A throwaway PostgreSQL server for the test suite (stdlib only).

`temporary_postgres()` starts a private cluster in a temporary directory and
yields a SQLAlchemy URL for its `aiusage_test` database; the server is stopped
and the directory removed on exit. Run this file directly to keep one up until
Ctrl-C, then point the tests at it with the printed `export` line.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import aptget  # scripts/aptget.py, beside this file (the callers put scripts/ on sys.path)

DATABASE = "aiusage_test"
SUPERUSER = "postgres"
INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found.\n"
    "Install them, e.g. on Debian/Ubuntu:\n"
    "    sudo apt-get install -y postgresql\n"
    "(or rerun this command as root, which installs them automatically),\n"
    "or set AIUSAGE_TEST_POSTGRES_URL to a PostgreSQL database you already have."
)


class PostgresError(RuntimeError):
    """The throwaway PostgreSQL server could not be provided."""


def _log(message: str) -> None:
    """Print a progress line to stderr."""
    print(f"pg: {message}", file=sys.stderr, flush=True)


def _is_root() -> bool:
    """Whether we run as root (PostgreSQL refuses to run as root)."""
    return os.geteuid() == 0


def find_bindir() -> Path | None:
    """Return the newest directory holding both initdb and pg_ctl, if any."""

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if all(os.access(Path(bindir, t), os.X_OK) for t in ("initdb", "pg_ctl", "postgres")):
            return Path(bindir)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).resolve().parent == Path(pg_ctl).resolve().parent:
        return Path(initdb).resolve().parent
    return None


def ensure_postgres(install: bool = True) -> Path:
    """Find the PostgreSQL binaries, installing them with apt-get when root."""
    bindir = find_bindir()
    if bindir is not None:
        return bindir
    if not (install and aptget.can_install()):
        raise PostgresError(INSTALL_HINT)
    _log("PostgreSQL not found; installing it with apt-get (takes a minute)...")
    failed = aptget.install(["postgresql"])
    if failed:
        raise PostgresError(failed)
    bindir = find_bindir()
    if bindir is None:
        raise PostgresError("apt-get installed postgresql but initdb/pg_ctl are still missing")
    return bindir


def _as_owner(cmd: Sequence[str]) -> list[str]:
    """Wrap a command so that it runs as the cluster's owner."""
    if not _is_root():
        return list(cmd)
    if shutil.which("runuser"):
        return ["runuser", "-u", SUPERUSER, "--", *cmd]
    return ["su", SUPERUSER, "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _run(cmd: Sequence[str], cwd: Path, what: str, new_session: bool = False) -> None:
    """Run a PostgreSQL tool quietly; raise with its output if it fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        start_new_session=new_session,  # keep the server out of our Ctrl-C
    )
    if proc.returncode != 0:
        raise PostgresError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")


def _free_port() -> int:
    """Ask the kernel for a currently free loopback TCP port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _make_tmpdir() -> Path:
    """Create the cluster's private directory, owned by the cluster's owner."""
    # As root, stay in /tmp: the postgres user must be able to reach the directory.
    tmp = Path(tempfile.mkdtemp(prefix="aiusage-pg-", dir="/tmp" if _is_root() else None))
    if _is_root():
        try:
            owner = pwd.getpwnam(SUPERUSER)
        except KeyError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise PostgresError(
                f"running as root but there is no '{SUPERUSER}' user to run PostgreSQL as"
            ) from None
        os.chown(tmp, owner.pw_uid, owner.pw_gid)
    return tmp


def _stop(bindir: Path, data: Path, tmp: Path) -> None:
    """Stop the server (immediately: the data is throwaway), killing it if need be."""
    pidfile = data / "postmaster.pid"
    if not pidfile.exists():
        return
    try:
        stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        _run(_as_owner(stop), tmp, "pg_ctl stop")
    except PostgresError as exc:
        _log(str(exc))
        try:
            os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)
            time.sleep(0.5)
        except (OSError, ValueError, IndexError):
            pass


@contextmanager
def temporary_postgres(install: bool = True) -> Iterator[str]:
    """Start a throwaway PostgreSQL cluster and yield the URL of its test database."""
    bindir = ensure_postgres(install=install)
    tmp = _make_tmpdir()
    data, sockdir, logfile = tmp / "data", tmp / "sock", tmp / "server.log"
    try:
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust"]
        initdb += ["-E", "UTF8", "--no-locale", "--no-sync"]
        _run(_as_owner(initdb), tmp, "initdb")
        sockdir.mkdir(mode=0o700)
        os.chown(sockdir, data.stat().st_uid, data.stat().st_gid)
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# aiusage throwaway test cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{sockdir}'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
            )
        for attempt in range(1, 4):
            port = _free_port()
            try:
                start = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(logfile)]
                start += ["-o", f"-p {port}", "-w", "-t", "60", "start"]
                _run(_as_owner(start), tmp, "pg_ctl start", new_session=True)
                break
            except PostgresError as exc:
                log = logfile.read_text(errors="replace") if logfile.exists() else ""
                if attempt == 3 or "could not bind" not in log:
                    raise PostgresError(f"{exc}\n--- server log ---\n{log}") from None
        createdb = bindir / "createdb"
        if not createdb.exists():
            createdb = Path(shutil.which("createdb") or "createdb")
        create = [str(createdb), "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, DATABASE]
        _run(create, tmp, "createdb")
        yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        try:
            _stop(bindir, data, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    """Keep a throwaway PostgreSQL running until Ctrl-C."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with temporary_postgres() as url:
            print(f"PostgreSQL is up: {url}", flush=True)
            print(f"export AIUSAGE_TEST_POSTGRES_URL={url}", flush=True)
            print("Press Ctrl-C to stop it.", file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)
    except PostgresError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0


if __name__ == "__main__":
    sys.exit(main())
