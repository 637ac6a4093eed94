"""The enrichment's local workers: keyphrases with yake, first-page thumbnails with pypdfium2 + Pillow (WebP)."""

from __future__ import annotations

import io
import logging
import threading

import pypdfium2 as pdfium
import yake
from PIL import Image

from dailypapers.domain.enrichment import THUMBNAIL_HEIGHT, THUMBNAIL_WIDTH, Unusable

log = logging.getLogger(__name__)

WEBP_QUALITY = 72  # ~10-20 KB for a first page at 300x400; text stays legible at card size
CANDIDATES = 20  # yake's candidates; domain.enrichment.clean_keywords keeps the best few that are not repeats


class YakeExtractor:
    """The KeywordExtractor port with yake (statistical, no model, English stopwords): up to 3-word phrases."""

    def __init__(self) -> None:
        self._extractor = yake.KeywordExtractor(lan="en", n=3, dedupLim=0.7, top=CANDIDATES)
        self._lock = threading.Lock()  # the extractor keeps per-call state

    def keywords(self, title: str, abstract: str) -> list[str]:
        text = f"{' '.join(title.split())}.\n{' '.join(abstract.split())}"
        with self._lock:
            found = self._extractor.extract_keywords(text)
        return [phrase for phrase, _score in found]  # best (lowest score) first


class PdfiumRenderer:
    """The ThumbnailRenderer port: the top of the first page at THUMBNAIL_WIDTH x THUMBNAIL_HEIGHT, white behind
    transparent parts, as WebP. pdfium is not thread-safe: one render at a time per process."""

    _lock = threading.Lock()

    def render(self, pdf: bytes) -> tuple[bytes, int, int]:
        with self._lock:
            try:
                image = self._first_page(pdf)
            except Unusable:
                raise
            except Exception as exc:  # pdfium and Pillow raise many kinds on hostile input: all mean "unreadable"
                raise Unusable(f"the PDF cannot be rendered: {type(exc).__name__}: {exc}") from None
        out = io.BytesIO()
        image.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
        return out.getvalue(), image.width, image.height

    @staticmethod
    def _first_page(pdf: bytes) -> Image.Image:
        document = pdfium.PdfDocument(pdf)
        try:
            if len(document) == 0:
                raise Unusable("the PDF has no pages")
            page = document[0]
            width, height = page.get_size()  # points
            if width < 1 or height < 1:
                raise Unusable("the PDF's first page has no size")
            scale = THUMBNAIL_WIDTH / width
            # Render only the top that the thumbnail shows: a page of absurd height cannot blow up the bitmap.
            shown = THUMBNAIL_HEIGHT / scale
            crop_bottom = max(0.0, height - shown)
            bitmap = page.render(scale=scale, crop=(0, crop_bottom, 0, 0), fill_color=(255, 255, 255, 255))
            rendered = bitmap.to_pil().convert("RGB")
        finally:
            document.close()
        canvas = Image.new("RGB", (THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT), "white")
        canvas.paste(rendered.crop((0, 0, THUMBNAIL_WIDTH, min(THUMBNAIL_HEIGHT, rendered.height))), (0, 0))
        return canvas
