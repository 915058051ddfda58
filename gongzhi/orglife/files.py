"""Checking uploaded evidence by what it is, not by what it is called: magic bytes and size."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from gongzhi.orglife.models import AttachmentKind

MAX_BYTES = 10 * 1024 * 1024

# content type → (file extension, test on the first bytes)
SIGNATURES = {
    "image/jpeg": ("jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "image/png": ("png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/webp": ("webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "application/pdf": ("pdf", lambda head: head.startswith(b"%PDF-")),
}
ALLOWED = {
    AttachmentKind.PHOTO: ("image/jpeg", "image/png", "image/webp"),
    AttachmentKind.SIGN_IN_SHEET: ("image/jpeg", "image/png", "image/webp", "application/pdf"),
}


def sniff(upload: UploadedFile) -> str | None:
    """The content type the file's first bytes show, or None when they match no allowed type."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, (_ext, test) in SIGNATURES.items():
        if test(head):
            return content_type
    return None


def check_upload(kind: str, upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an acceptable upload; a ValidationError saying why otherwise."""
    if kind not in ALLOWED:
        raise ValidationError({"kind": _("Choose a photo or a sign-in sheet.")})
    if upload.size is None or upload.size > MAX_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than 10 MB: make it smaller and upload it again.")}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    content_type = sniff(upload)
    if content_type not in ALLOWED[kind]:
        if kind == AttachmentKind.PHOTO:
            message = _("A photo must be a JPEG, PNG or WebP image; this file is not one.")
        else:
            message = _("A sign-in sheet must be a JPEG, PNG or WebP image or a PDF; this file is not one.")
        raise ValidationError({"file": message})
    return content_type, SIGNATURES[content_type][0]
