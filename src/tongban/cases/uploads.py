"""What an uploaded material may be: PDF, JPEG or PNG by its first bytes, within the size limit
(``core.uploads``, with the cases' limit and codes)."""

from django.conf import settings

from tongban.core import uploads

from .errors import CaseError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "TONGBAN_CASE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_upload(upload) -> tuple[str, str]:
    """(content type, sha256) of an acceptable file, or a coded refusal naming the field ``file``.
    The size is checked before anything is read."""
    return uploads.check_upload(
        upload,
        limit=max_bytes(),
        too_large=CaseError.UPLOAD_TOO_LARGE,
        wrong_type=CaseError.UPLOAD_TYPE,
    )
