"""What an uploaded material may be: PDF, JPEG or PNG by its first bytes, within the size limit."""

import hashlib

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import CaseError, invalid

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}


def max_bytes() -> int:
    return int(getattr(settings, "TONGBAN_CASE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff(head: bytes) -> str | None:
    for content_type, magics in SIGNATURES.items():
        if head.startswith(magics):
            return content_type
    return None


def check_upload(upload) -> tuple[str, str]:
    """(content type, sha256) of an acceptable file, or a coded refusal naming the field ``file``.
    The size is checked before anything is read."""
    limit = max_bytes()
    if upload.size > limit:
        raise invalid(
            CaseError.UPLOAD_TOO_LARGE,
            _("文件过大（%(size).1f MB），单个文件不能超过 %(limit)d MB。")
            % {"size": upload.size / 1048576, "limit": limit // 1048576},
            "file",
        )
    upload.seek(0)
    head = upload.read(16)
    content_type = sniff(head)
    name = (upload.name or "").lower()
    if content_type is None or not name.endswith(EXTENSIONS[content_type]):
        raise invalid(
            CaseError.UPLOAD_TYPE,
            _("只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"),
            "file",
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()
