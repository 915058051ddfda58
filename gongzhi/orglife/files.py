"""Checking uploaded evidence by what it is, not by what it is called: magic bytes and size."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from gongzhi.core.uploads import IMAGE_TYPES, SIGNATURES, sniff
from gongzhi.orglife.models import AttachmentKind

MAX_BYTES = 10 * 1024 * 1024

ALLOWED = {
    AttachmentKind.PHOTO: IMAGE_TYPES,
    AttachmentKind.SIGN_IN_SHEET: (*IMAGE_TYPES, "application/pdf"),
}


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
