"""The throwaway database every benchmark runs on."""

import contextlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def database(backend: str):
    """A temporary instance folder and a fresh database: a SQLite file in the folder, or a database of a
    throwaway PostgreSQL cluster (tests/pg_cluster.py)."""
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="mutualise-bench-"))
        if backend == "postgresql":
            sys.path.insert(0, str(ROOT / "tests"))
            from pg_cluster import start_or_reuse

            yield folder, stack.enter_context(start_or_reuse()).create_database("mutualise_bench")
        else:
            yield folder, f"sqlite:///{folder}/bench.db"
