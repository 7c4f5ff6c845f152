"""Appending to and verifying the audit chain (see ``models.AuditEntry``)."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from . import context
from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def _digest(entry: AuditEntry) -> str:
    payload = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "subject_person_id": entry.subject_person_id,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "details": entry.details,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{entry.prev_hash}{canonical}".encode()).hexdigest()


@transaction.atomic
def audit_record(
    *,
    action: str,
    actor=None,
    target=None,
    target_type: str = "",
    target_id: str | int = "",
    subject_person_id: int | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry. ``actor`` is an account (or None for the public); ``target`` a model
    instance (or give ``target_type``/``target_id``). Details hold strings, numbers, booleans."""
    if target is not None:
        target_type, target_id = target._meta.label_lower, target.pk
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"seq": 0, "hash": GENESIS}
    )
    request = context.current()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_label=str(actor)[:200] if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        subject_person_id=subject_person_id,
        ip=request.ip,
        user_agent=request.user_agent,
        details=details or {},
        prev_hash=head.hash,
    )
    entry.hash = _digest(entry)
    entry.save()
    AuditChainHead.objects.filter(id=1).update(seq=entry.seq, hash=entry.hash)
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def audit_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order and report every break: a changed entry (its hash no longer
    matches its content), a missing one (a gap in ``seq`` or a ``prev_hash`` that points
    elsewhere), or entries removed from the end (the head points past the last entry)."""
    problems: list[str] = []
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        checked += 1
        if entry.seq != expected_seq:
            problems.append(f"#{expected_seq}–#{entry.seq - 1} missing (deleted entries)")
        if entry.prev_hash != prev_hash:
            problems.append(f"#{entry.seq} does not link to the entry before it")
        if _digest(entry) != entry.hash:
            problems.append(f"#{entry.seq} was changed after it was written")
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        problems.append(
            f"the chain head is at #{head_seq} but the last entry is #{expected_seq - 1}"
        )
    return ChainReport(checked=checked, problems=problems)


_ACTION_LABELS: dict[str, str] = {}


def register_action_labels(labels: dict[str, str]) -> None:
    """Each context names its audit actions for people (called from ``AppConfig.ready``)."""
    _ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(_ACTION_LABELS.get(action, action))
