"""Compressed answers for the pages and the API (docs/adr/0014-compression.md).

Static files are compressed once, when they are collected (WhiteNoise writes ``.gz`` and ``.br``
beside each file and serves them without this middleware: it answers before it). What is left
is what the views write: HTML, JSON and CSV, compressed here with Django's ``GZipMiddleware``,
which mitigates BREACH (random bytes in the gzip header since Django 4.2; CSRF tokens are
masked per answer). Answers that are compressed already (xlsx, images, zip) are passed as they
are: compressing them again costs time and saves nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = frozenset(
    {
        "application/json",
        "application/geo+json",
        "application/javascript",
        "application/problem+json",
        "application/xml",
        "image/svg+xml",
    }
)


def compressible(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.startswith("text/") or kind in COMPRESSIBLE


class CompressTextMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text answers only."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not compressible(response.get("Content-Type", "")):
            return response
        return super().process_response(request, response)
