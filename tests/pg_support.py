"""A throw-away PostgreSQL server for the tests, or the reason there is none.

`PgServer.start()` uses BOT_TEST_POSTGRES_URL when set (an existing server on which the tests
may create and drop databases), else starts its own cluster: PostgreSQL's `initdb` and
`pg_ctl` (Debian's /usr/lib/postgresql/<version>/bin, or PATH) in a temporary folder, on a free
localhost port, fsync off. PostgreSQL refuses to run as root, so as root the cluster runs as the
unprivileged user `pgtest` (created with `useradd -r` when missing) or else `nobody`.

Every test gets a database of its own, copied from a template that is migrated once. When no
server can be had, `reason` says why, and the PostgreSQL tests are skipped with that sentence.
BOT_TEST_POSTGRES=0 leaves PostgreSQL out on purpose (a quick local run).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

TEMPLATE = "bot_template"
USER_NAME = "pgtest"


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    return None


def _version_key(path: str) -> tuple[int, ...]:
    part = path.split("/")[4]
    return tuple(int(x) for x in part.split(".") if x.isdigit())


def _run_as() -> str | None:
    """The user the server runs as: None (this user) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in (USER_NAME,):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    made = subprocess.run(
        ["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", USER_NAME], capture_output=True
    )
    if made.returncode == 0:
        return USER_NAME
    return "nobody"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    admin_url: str | None = None
    reason: str = ""
    own_cluster: Path | None = None
    bindir: Path | None = None
    user: str | None = None
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _template_ready: bool = False
    _free: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.admin_url is not None

    @classmethod
    def start(cls) -> PgServer:
        if os.environ.get("BOT_TEST_POSTGRES", "1") == "0":
            return cls(reason="BOT_TEST_POSTGRES=0: PostgreSQL tests left out on purpose")
        url = os.environ.get("BOT_TEST_POSTGRES_URL")
        if url:
            server = cls(admin_url=url)
            problem = server._ping()
            if problem:
                return cls(reason=f"BOT_TEST_POSTGRES_URL {url} does not answer: {problem}")
            return server
        bindir = _bindir()
        if bindir is None:
            return cls(
                reason="no PostgreSQL server: initdb not found (apt-get install postgresql, "
                "or set BOT_TEST_POSTGRES_URL)"
            )
        try:
            return cls._own_cluster(bindir)
        except Exception as exc:  # any failure: the tests say why they were skipped
            return cls(reason=f"could not start a throw-away PostgreSQL ({bindir}): {exc}")

    @classmethod
    def _own_cluster(cls, bindir: Path) -> PgServer:
        user = _run_as()
        folder = Path(tempfile.mkdtemp(prefix="bot-pg-"))
        folder.chmod(0o700)
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        data = folder / "data"
        run: dict[str, Any] = {"capture_output": True, "text": True, "cwd": folder}
        if user is not None:
            run["user"] = user
        init = subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            **run,
        )
        if init.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"initdb failed: {(init.stderr or init.stdout).strip()[-300:]}")
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        started = subprocess.run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            **run,
        )
        if started.returncode != 0:
            log = (
                (folder / "log").read_text(errors="replace")[-300:]
                if (folder / "log").exists()
                else ""
            )
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()[-200:]} {log}")
        server = cls(
            admin_url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
            own_cluster=folder,
            bindir=bindir,
            user=user,
        )
        problem = server._ping()
        if problem:
            server.stop()
            raise RuntimeError(problem)
        return server

    def _ping(self) -> str:
        async def ping() -> None:
            conn = await asyncpg.connect(self.admin_url, timeout=10)
            await conn.close()

        try:  # in a thread of its own: the caller may be inside an event loop
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, ping()).result()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return ""

    def url(self, database: str) -> str:
        assert self.admin_url is not None
        return self.admin_url.rsplit("/", 1)[0] + "/" + database

    async def _admin(self, *statements: str) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database's URL: a copy of the migrated template (or one emptied after an
        earlier test: creating a database takes half a second, emptying one 40 ms), or empty."""
        if migrated and self._free:
            return self._free.pop()
        if migrated and not self._template_ready:
            from bot.storage.pg import PgDatabase

            await self._admin(f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}")
            db = await PgDatabase.open(self.url(TEMPLATE))
            await db.close()
            self._template_ready = True
        name = f"t{os.getpid()}_{next(self._names)}"
        template = f" TEMPLATE {TEMPLATE}" if migrated else ""
        await self._admin(f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}{template}")
        return self.url(name)

    async def release(self, url: str) -> None:
        """The test is done with its migrated database: empty it for the next test."""
        try:
            conn = await asyncpg.connect(url)
        except Exception:
            return
        try:
            await conn.execute("SET lock_timeout = '5s'")
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename <> 'schema_version'"
            )
            sequences = await conn.fetch(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
            )
            await conn.execute(
                "SET session_replication_role = replica;"
                + "".join(f"DELETE FROM {r[0]};" for r in tables)
                + "SET session_replication_role = DEFAULT;"
            )
            # setval, not ALTER SEQUENCE ... RESTART: the same, several times faster.
            await conn.execute(
                "SELECT setval(name, 1, false) FROM unnest($1::text[]) AS name",
                [r[0] for r in sequences],
            )
        except Exception:
            await conn.close()
            await self.drop(url)  # something still holds it: not used again
            return
        await conn.close()
        self._free.append(url)

    async def drop(self, url: str) -> None:
        if self.own_cluster is not None:
            return  # the whole cluster goes at the end of the session
        name = url.rsplit("/", 1)[1]
        with contextlib.suppress(Exception):
            await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if self.own_cluster is None or self.bindir is None:
            return
        run: dict[str, Any] = {"capture_output": True, "cwd": self.own_cluster}
        if self.user is not None:
            run["user"] = self.user
        subprocess.run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.own_cluster / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            **run,
        )
        shutil.rmtree(self.own_cluster, ignore_errors=True)
        self.own_cluster = None
