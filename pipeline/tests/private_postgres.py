"""A throw-away PostgreSQL cluster (the system's binaries) for tests that need roles of their own.

The shared test server's role may not create roles, so tests of ``docker/postgres-init`` start a cluster of
their own: initdb, then pg_ctl on a free port. As root, the cluster belongs to the ``postgres`` user (initdb
refuses root), as in ``scripts/lib/services.sh``. Its superuser ``postgres`` signs in without a password on
the Unix socket; over TCP every role needs its password.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conftest import free_port

SUPERUSER = "postgres"


@dataclass(frozen=True)
class PrivatePostgres:
    """Where the cluster listens: ``socket_dir`` for the superuser, 127.0.0.1:``port`` for the others."""

    socket_dir: Path
    port: int

    def superuser_url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def tcp_url(self, user: str, password: str, database: str) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def libpq_env(self) -> dict[str, str]:
        """What psql needs to reach the cluster's superuser, as the postgres image's init scripts do."""
        return {"PGHOST": str(self.socket_dir), "PGPORT": str(self.port), "PGUSER": SUPERUSER}


def _bin_dir() -> Path:
    """The newest installed major version's bin folder (/usr/lib/postgresql/<major>/bin)."""
    root = Path("/usr/lib/postgresql")
    majors = sorted((p for p in root.glob("*") if p.name.isdigit()), key=lambda p: int(p.name))
    assert majors, f"no PostgreSQL under {root}: install the postgresql package"
    return majors[-1] / "bin"


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """Start a cluster in a temporary folder; stop it and remove the folder on the way out."""
    directory = Path(tempfile.mkdtemp(prefix="ct-test-postgres-"))
    as_root = os.geteuid() == 0
    if as_root:
        owner = pwd.getpwnam("postgres")
        os.chown(directory, owner.pw_uid, owner.pw_gid)

    def pg(program: str, *args: str) -> None:
        command = [str(_bin_dir() / program), *args]
        if as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    data, port = directory / "data", free_port()
    try:
        pg("initdb", "-D", str(data), "-U", SUPERUSER, "--auth-local=trust", "--auth-host=scram-sha-256")
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {directory}"
        pg("pg_ctl", "-D", str(data), "-l", str(directory / "postgres.log"), "-w", "-o", options, "start")
        try:
            yield PrivatePostgres(directory, port)
        finally:
            pg("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_init_script(server: PrivatePostgres, script: Path, env: Mapping[str, str]) -> None:
    """Run one of ``docker/postgres-init``'s scripts as the postgres image runs it on an empty volume."""
    image_env = {"PATH": os.environ["PATH"], "POSTGRES_USER": SUPERUSER, "POSTGRES_DB": "postgres"}
    done = subprocess.run(
        ["bash", str(script)],
        env={**image_env, **server.libpq_env(), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout}\n{done.stderr}"
