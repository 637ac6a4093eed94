"""Enrichment speed: keywords per second (yake + clean-up) and thumbnails per minute (PDF fetched over loopback
HTTP, first page rendered with pdfium, WebP), each against a baseline from the same run; worst of several rounds.

Run: `.venv/bin/python bench/enrich_speed.py [--papers N] [--rounds R] [--pdf FILE ...]`. Papers come from
../shared/data/arxiv-papers.jsonl.gz when present (else synthetic text); PDFs are the files given, else the
LaTeX-made PDFs Debian ships in /usr/share/doc when present, else PDFs drawn with Pillow. Baselines: for keywords,
the most frequent non-stopwords (the simplest extractor there is); for thumbnails, the download alone.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dailypapers.adapters.enrich_local import PdfiumRenderer, YakeExtractor
from dailypapers.adapters.pdf_http import ArxivPdfClient
from dailypapers.domain.enrichment import clean_keywords
from dailypapers.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv-papers.jsonl.gz"
DOCS = Path("/usr/share/doc")
SYSTEM_PDFS = [DOCS / "libtasn1-doc/libtasn1.pdf", DOCS / "shared-mime-info/shared-mime-info-spec.pdf"]
STOP = frozenset(
    (
        *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it", "of", "on"),
        *("or", "that", "the", "this", "to", "we", "with", "our", "which"),
    )
)


def papers(count: int) -> list[tuple[str, str]]:
    if not SHARED.exists():
        return [(f"Synthetic paper {n}", "We study sparse attention for long documents. " * 12) for n in range(count)]
    out = []
    with gzip.open(SHARED, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            out.append((record["title"], record["abstract"]))
            if len(out) == count:
                break
    return out


def frequent_words(title: str, abstract: str) -> list[str]:
    words = [w for w in re.findall(r"[a-z][a-z-]+", f"{title} {abstract}".lower()) if w not in STOP]
    return [w for w, _ in Counter(words).most_common(8)]


def worst_rate(work: Callable[[], int], rounds: int) -> float:
    """Items per second of the slowest round."""
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        done = work()
        rates.append(done / (time.perf_counter() - started))
    return min(rates)


def pdf_bodies(paths: list[Path]) -> list[bytes]:
    found = [p.read_bytes() for p in paths or SYSTEM_PDFS if p.exists()]
    if found:
        return found
    from tests.fakes.enrich_server import make_pdf  # drawn with Pillow: image-only pages

    return [make_pdf(f"Synthetic {n}") for n in range(2)]


class _PdfHost:
    """The PDFs on 127.0.0.1, as arXiv serves them (`GET /pdf/{n}`)."""

    def __init__(self, bodies: list[bytes]) -> None:
        bodies_ = bodies

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = bodies_[int(self.path.rsplit("/", 1)[1]) % len(bodies_)]
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/pdf"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--thumbnails", type=int, default=20, help="thumbnails per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pdf", type=Path, nargs="*", default=[])
    args = parser.parse_args()

    count: int = args.thumbnails
    texts = papers(args.papers)
    extractor = YakeExtractor()
    extractor.keywords(*texts[0])  # loads its stopword lists outside the timing
    yake_rate = worst_rate(lambda: sum(1 for t in texts if clean_keywords(extractor.keywords(*t))), args.rounds)
    base_rate = worst_rate(lambda: sum(1 for t in texts if frequent_words(*t)), args.rounds)
    print(f"keywords (yake, n=3, clean-up): {yake_rate:8.1f} papers/s over {len(texts)} papers")
    print(f"baseline (most frequent words): {base_rate:8.1f} papers/s  -> yake costs {base_rate / yake_rate:.0f}x")

    bodies = pdf_bodies(args.pdf)
    renderer = PdfiumRenderer()
    sizes = ", ".join(f"{len(b) / 1e6:.2f} MB" for b in bodies)
    with _PdfHost(bodies) as url:
        settings = Settings(arxiv_pdf_url=url, arxiv_min_interval_seconds=0.0)
        with ArxivPdfClient(settings) as client:

            def fetch_only() -> int:
                for n in range(count):
                    client.pdf(str(n))
                return count

            def fetch_and_render() -> int:
                for n in range(count):
                    renderer.render(client.pdf(str(n)))
                return count

            render_rate = worst_rate(fetch_and_render, args.rounds) * 60
            fetch_rate = worst_rate(fetch_only, args.rounds) * 60
    polite = min(render_rate, 60 / Settings().arxiv_min_interval_seconds)
    print(f"thumbnails (fetch + render + WebP): {render_rate:8.0f} /min over {len(bodies)} PDFs ({sizes})")
    print(
        f"baseline (fetch only, loopback):     {fetch_rate:8.0f} /min  -> rendering is {fetch_rate / render_rate:.1f}x"
    )
    print(f"at arXiv's 3 s interval the worker makes at most {polite:.0f} thumbnails/min")


if __name__ == "__main__":
    main()
