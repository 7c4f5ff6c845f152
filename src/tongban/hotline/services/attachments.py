"""A requester's attachments: checked before the ticket is filed (so a refused file files
nothing) by the same check case materials pass (``core.uploads``: PDF, JPG or PNG by content,
within the size limit), stored with the ticket in its transaction."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from tongban.core.audit import audit_record
from tongban.core.uploads import check_upload

from ..errors import HotlineError, invalid
from ..models import Ticket, TicketAttachment

ATTACHMENTS_MAX = 3
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "TONGBAN_HOTLINE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def attachments_checked(uploads) -> list[TicketAttachment]:
    """The rows of acceptable files, not yet written; a refusal names ``attachments``."""
    uploads = list(uploads or ())
    if len(uploads) > ATTACHMENTS_MAX:
        message = _("最多上传 %(max)s 个附件（现为 %(n)s 个）。") % {
            "max": ATTACHMENTS_MAX,
            "n": len(uploads),
        }
        raise invalid(HotlineError.ATTACHMENT_COUNT, message, "attachments")
    rows = []
    for upload in uploads:
        content_type, sha = check_upload(
            upload,
            limit=max_bytes(),
            too_large=HotlineError.ATTACHMENT_TOO_LARGE,
            wrong_type=HotlineError.ATTACHMENT_TYPE,
            field="attachments",
        )
        rows.append(
            TicketAttachment(
                file=upload,
                original_name=PurePath(upload.name or "file").name[-200:],
                size=upload.size,
                content_type=content_type,
                sha256=sha,
            )
        )
    return rows


def attachments_store(ticket: Ticket, rows: list[TicketAttachment], *, actor) -> None:
    for row in rows:
        row.ticket = ticket
        row.save()
        audit_record(
            action="hotline.ticket.attachment_add",
            actor=actor,
            target=ticket,
            details={"number": ticket.number, "name": row.original_name, "size": row.size},
        )
