"""Reading import files: plain or gzip-compressed JSON lines, numbered, with the bytes read so far."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path

from dailypapers.domain.errors import InvalidInput

GZIP_MAGIC = b"\x1f\x8b"


def file_size(path: Path) -> int:
    return path.stat().st_size


def read_lines(path: Path, on_bytes: Callable[[int], object] | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, raw line); gzip is recognised by its magic bytes, not the file name.

    `on_bytes` is told how many bytes of the file on disk were consumed, so a progress bar can show the
    real position in a compressed file.
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"cannot open {path}: {exc.strerror or exc}") from None
    with raw:
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw) if compressed else raw
        reported = 0
        try:
            for number, line in enumerate(stream, start=1):
                yield number, line
                if on_bytes is not None and number % 1000 == 0:
                    position = raw.tell()
                    on_bytes(position - reported)
                    reported = position
        except (OSError, EOFError) as exc:  # truncated or corrupt gzip stream
            raise InvalidInput(f"{path} is not readable to the end: {exc}") from None
        if on_bytes is not None:
            on_bytes(raw.tell() - reported)
