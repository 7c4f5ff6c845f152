"""What an uploaded file may be, wherever it is uploaded (a case's materials, a 12345 ticket's
attachments): PDF, JPEG or PNG by its first bytes and a matching extension, within a size
limit. Each context names its own limit and error codes."""

import hashlib

from django.utils.translation import gettext as _

from .errors import InvalidInput

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


def sniff(head: bytes) -> str | None:
    for content_type, magics in SIGNATURES.items():
        if head.startswith(magics):
            return content_type
    return None


def _refuse(code: str, message: str, field: str) -> InvalidInput:
    return InvalidInput(code, message, fields={field: message})


def check_upload(
    upload, *, limit: int, too_large: str, wrong_type: str, field: str = "file"
) -> tuple[str, str]:
    """(content type, sha256) of an acceptable file, or a refusal coded ``too_large`` or
    ``wrong_type`` naming ``field``. The size is checked before anything is read."""
    if upload.size > limit:
        raise _refuse(
            too_large,
            _("文件过大（%(size).1f MB），单个文件不能超过 %(limit)d MB。")
            % {"size": upload.size / 1048576, "limit": limit // 1048576},
            field,
        )
    upload.seek(0)
    head = upload.read(16)
    content_type = sniff(head)
    name = (upload.name or "").lower()
    if content_type is None or not name.endswith(EXTENSIONS[content_type]):
        raise _refuse(
            wrong_type, _("只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"), field
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()
