"""Appending to and verifying the audit chain (see ``models.AuditEntry``).

The chain is one list: entry *n* carries the SHA-256 of entry *n − 1*, and the single head row
(``AuditChainHead``) holds the last sequence number and hash. An append therefore needs the head
under its row lock, in the same transaction as the change it records (so that a change is never
committed without its entry), and the lock is held until that transaction ends. Appends are
serialised city-wide by design; what this module keeps small is the cost of each one:

- The head last seen is remembered per database connection. The next append moves the head
  with a compare-and-swap, ``UPDATE head ... WHERE seq = <remembered> AND hash = <remembered>``,
  which also takes the row lock; only when another connection moved the head meanwhile (or a
  transaction was rolled back) does it fall back to ``SELECT ... FOR UPDATE`` and try again.
  Within a transaction that audits several steps (an application: created, material added,
  submitted, in pre-review), every append after the first costs one UPDATE and one INSERT.
- No savepoint per append: an append that fails fails its whole transaction anyway.

None of this changes what is stored or what ``audit_verify`` checks: every entry's hash covers
its content and the previous hash, sequence numbers have no gaps, and the head points at the
last entry, so an edited, a deleted or a removed-from-the-end entry is reported.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.db import connections, router, transaction
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


def _head_locked(using: str) -> tuple[int, str]:
    head, _ = (
        AuditChainHead.objects.using(using)
        .select_for_update()
        .get_or_create(id=1, defaults={"seq": 0, "hash": GENESIS})
    )
    return head.seq, head.hash


def _link(using: str, entry: AuditEntry, head: tuple[int, str]) -> bool:
    """Make ``entry`` follow ``head`` and move the head row to it, if the head row still is
    ``head`` (compare-and-swap; the UPDATE takes the row lock). False if the head moved."""
    entry.seq, entry.prev_hash = head[0] + 1, head[1]
    entry.hash = _digest(entry)
    return bool(
        AuditChainHead.objects.using(using)
        .filter(id=1, seq=head[0], hash=head[1])
        .update(seq=entry.seq, hash=entry.hash)
    )


@transaction.atomic(savepoint=False)
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
    using = router.db_for_write(AuditEntry)
    connection = connections[using]
    request = context.current()
    entry = AuditEntry(
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
    )
    remembered = getattr(connection, "tongban_audit_head", None)
    linked = remembered is not None and _link(using, entry, remembered)
    if not linked and not _link(using, entry, _head_locked(using)):
        raise RuntimeError("the audit chain head moved while locked")
    entry.save(using=using)
    connection.tongban_audit_head = (entry.seq, entry.hash)
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
