"""The app's own file folder (finished PNGs, downloaded previews), bounded in size and age."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass
class ImageFolder:
    """A folder pruned to `max_bytes` and `max_age` seconds, oldest files first.

    Pruning runs at most once per `interval` seconds, from whichever call comes first.
    """

    path: Path
    max_bytes: int = 2 * 1024**3
    max_age: float = 24 * 3600
    interval: float = 60.0

    def __post_init__(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self.interval = min(self.interval, self.max_age / 2)  # short ages prune often
        self._lock = threading.Lock()
        self._last_prune = -math.inf  # monotonic time may be small just after boot

    def maybe_prune(self) -> None:
        """Prune now if the interval has passed since the last prune."""
        if self._due():
            self._prune_logged()

    def maybe_prune_in_background(self) -> threading.Thread | None:
        """Like maybe_prune, on a thread of its own: a folder of many thousand files takes
        a noticeable time to list, which must not stall an event loop or a request."""
        if not self._due():
            return None
        pruning = threading.Thread(target=self._prune_logged, name="prune", daemon=True)
        pruning.start()
        return pruning

    def _due(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now - self._last_prune < self.interval:
                return False
            self._last_prune = now
            return True

    def _prune_logged(self) -> None:
        try:
            self.prune()
        except OSError:  # housekeeping must never fail the request that triggered it
            logger.exception("pruning %s failed", self.path)

    def prune(self) -> int:
        """Delete expired files, then the oldest until under the size bound. Returns bytes."""
        entries = []
        for entry in self._files():
            try:
                stat = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # renamed or removed by a generation meanwhile
                continue
            entries.append((stat.st_mtime, stat.st_size, entry.path))
        entries.sort()
        cutoff = time.time() - self.max_age
        total = sum(size for _, size, _ in entries)
        kept = 0
        for mtime, size, path in entries:
            if mtime < cutoff or total > self.max_bytes:
                try:
                    os.unlink(path)
                    total -= size
                except FileNotFoundError:
                    total -= size
            else:
                kept += size
        return kept

    def size(self) -> int:
        total = 0
        for entry in self._files():
            with contextlib.suppress(FileNotFoundError):
                total += entry.stat(follow_symlinks=False).st_size
        return total

    def _files(self):
        """Every regular file below the folder (links are never followed)."""
        folders = [self.path]
        while folders:
            try:
                listing = os.scandir(folders.pop())
            except FileNotFoundError:
                continue
            with listing as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        yield entry
