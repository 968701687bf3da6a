"""What a file is, told from its first bytes rather than its name, and how big an image is (read
from its header, so the services need no imaging library)."""

from __future__ import annotations

import struct

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
TYPE_WORDS = {PDF: "a PDF document", PNG: "a PNG image", JPEG: "a JPEG image"}
# The endings a name of each type may have (the name is only compared with what the bytes say).
EXTENSIONS = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg", ".jpe", ".jfif")}


def detect(data: bytes) -> str | None:
    """The content type the bytes hold, or None when they are none of PDF, PNG or JPEG."""
    if data[:1024].lstrip(b"\x00\t\n\r\f ").startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def type_named(file_name: str) -> str | None:
    """The type the name's ending claims, or None for an ending that names none of them."""
    lower = file_name.lower()
    for content_type, endings in EXTENSIONS.items():
        if lower.endswith(endings):
            return content_type
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, from its header; None when the header cannot be read."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return (width, height) if width and height else None
        return None
    if not data.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        # Start-of-frame markers (baseline, progressive, ...) carry the size; C4, C8 and CC do not.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return (width, height) if width and height else None
        at += 2 + length
    return None


def size_words(size: int) -> str:
    """A size as people say it: 820 bytes, 56 KB, 12.4 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
