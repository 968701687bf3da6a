"""Small real files for attachment and photo tests: a PDF made with ReportLab (its text can be read
back), a PNG written by hand (zlib), and the header of a JPEG (enough to tell its type and size)."""

from __future__ import annotations

import io
import struct
import zlib


def pdf_bytes(*pages: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    for text in pages or ("Sample report",):
        page.setFont("Helvetica", 28)
        page.drawString(72, 720, text)
        page.rect(72, 400, 300, 200)
        page.showPage()
    page.save()
    return out.getvalue()


def png_bytes(width: int = 40, height: int = 30, rgb: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def jpeg_header(width: int, height: int) -> bytes:
    """SOI, a JFIF APP0 and a baseline SOF0 carrying the size: what a header reader needs."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"
