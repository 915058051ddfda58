"""Checking uploads by what they are, not by what they are called: the first bytes, and the size."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# content type → (file extension, test on the first bytes)
SIGNATURES = {
    "image/jpeg": ("jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "image/png": ("png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/webp": ("webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "application/pdf": ("pdf", lambda head: head.startswith(b"%PDF-")),
}
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


def sniff(upload: UploadedFile) -> str | None:
    """The content type the file's first bytes show, or None when they match no known type."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, (_ext, test) in SIGNATURES.items():
        if test(head):
            return content_type
    return None


def check_photo(
    upload: UploadedFile, *, max_bytes: int = 10 * 1024 * 1024, field: str = "photos"
) -> tuple[str, str]:
    """(content type, extension) of an acceptable photo; a ValidationError saying why otherwise."""
    if upload.size is None or upload.size > max_bytes:
        raise ValidationError(
            {
                field: _("“%(name)s” is larger than %(mb)d MB: make it smaller and upload it again.")
                % {"name": upload.name, "mb": max_bytes // (1024 * 1024)}
            }
        )
    if upload.size == 0:
        raise ValidationError({field: _("“%(name)s” is empty.") % {"name": upload.name}})
    content_type = sniff(upload)
    if content_type not in IMAGE_TYPES:
        raise ValidationError(
            {field: _("“%(name)s” is not a JPEG, PNG or WebP image.") % {"name": upload.name}}
        )
    return content_type, SIGNATURES[content_type][0]
