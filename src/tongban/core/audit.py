"""Appending to and verifying the audit chain (see ``models.AuditEntry``).

The chain is one list: entry *n* carries the SHA-256 of entry *n − 1*, and the single head row
(``AuditChainHead``) holds the last sequence number and hash. An append therefore needs the head
under its row lock, in the same transaction as the change it records (a change is never
committed without its entry), and that lock is held until the transaction ends: appends are
serialised city-wide. bench/ measured what that costs: a transaction that audits early (an
application is audited when its draft is created, then four more times) held the head for
nearly its whole length, so every audited write in the city waited for it. What is done about it:

- **Appends at the end of the transaction** (``audited_atomic``): a service wrapped in it runs
  in a transaction; the entries its steps record are built at once (time, actor, content) but
  only linked into the chain when the service has finished, just before its transaction
  commits, all together: one UPDATE of the head, one INSERT of the entries. The head is then
  locked for two statements and the commit, not for the whole service. Nested services join
  the outermost one's batch; a service that fails leaves nothing (its transaction rolls back).
  Such a service must not carry on after catching an error from a step that recorded an entry
  in a savepoint since rolled back (the entry would still be appended); none does.
- **Compare-and-swap on the head last seen**: the head this connection last wrote is
  remembered, and the append moves it with ``UPDATE head ... WHERE seq = <remembered> AND hash
  = <remembered>`` (which takes the row lock); only when another connection moved it meanwhile
  (or a transaction rolled back) does it read the head ``FOR UPDATE`` and link again.
- No savepoint per append: an append that fails fails its whole transaction anyway.
- Outside ``audited_atomic`` (every other caller) an entry is appended where it is recorded.
- **Chained after the fact, in batches**: the exchange's calls (issue 12's speed goal) are
  logged first as rows that carry the entry they are due, committed before the answer; a task
  a moment later links a batch of them with ``audit_append`` (one head update per batch). The
  chain still holds every call; what it cannot cover is an edit of a row in that moment.

None of this changes what is stored or what ``audit_verify`` checks: every entry's hash covers
its content and the previous hash, sequence numbers have no gaps, and the head points at the
last entry, so an edited, a deleted or a removed-from-the-end entry is reported.
"""

import contextlib
import functools
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


def _link(using: str, entries: list[AuditEntry], head: tuple[int, str]) -> bool:
    """Chain ``entries`` after ``head`` and move the head row to the last of them, if the head
    row still is ``head`` (compare-and-swap; the UPDATE takes the row lock). False if it moved."""
    seq, prev = head
    for entry in entries:
        entry.seq, entry.prev_hash = seq + 1, prev
        entry.hash = _digest(entry)
        seq, prev = entry.seq, entry.hash
    return bool(
        AuditChainHead.objects.using(using)
        .filter(id=1, seq=head[0], hash=head[1])
        .update(seq=seq, hash=prev)
    )


def _append(using: str, entries: list[AuditEntry]) -> None:
    """Link and insert ``entries`` (in the caller's transaction)."""
    connection = connections[using]
    remembered = getattr(connection, "tongban_audit_head", None)
    linked = remembered is not None and _link(using, entries, remembered)
    if not linked and not _link(using, entries, _head_locked(using)):
        raise RuntimeError("the audit chain head moved while locked")
    if len(entries) == 1:
        entries[0].save(using=using)
    else:
        AuditEntry.objects.using(using).bulk_create(entries)
    connection.tongban_audit_head = (entries[-1].seq, entries[-1].hash)


@contextlib.contextmanager
def audited_block(*, durable: bool = False):
    """The block form of ``audited_atomic``: a transaction whose audit entries are appended
    together when it ends, for a service that runs more than one transaction in turn (a wrong
    one-time code is counted in its own before the service goes on)."""
    using = router.db_for_write(AuditEntry)
    connection = connections[using]
    with transaction.atomic(using=using, durable=durable):
        if getattr(connection, "tongban_audit_batch", None) is not None:
            yield
            return
        connection.tongban_audit_batch = batch = []
        try:
            yield
            if batch:
                _append(using, batch)
        finally:
            connection.tongban_audit_batch = None


def audited_atomic(func=None, *, durable: bool = False):
    """``transaction.atomic`` for a service whose audit entries are appended together when it
    has finished (see the module's docstring). Nested calls join the outermost batch.

    ``@audited_atomic(durable=True)`` is for a top-level service, which owns its transaction:
    called inside another transaction it raises ``RuntimeError`` (Django's durable atomic;
    test cases' own transactions are exempt), so no caller can fold it into a larger one whose
    commit it would not control. Such services call each other's private, non-durable
    internals, never each other."""
    if func is None:
        return functools.partial(audited_atomic, durable=durable)

    @functools.wraps(func)
    def inner(*args, **kwargs):
        with audited_block(durable=durable):
            return func(*args, **kwargs)

    return inner


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
    """Record one entry. ``actor`` is an account (or None for the public); ``target`` a model
    instance (or give ``target_type``/``target_id``). Details hold strings, numbers, booleans.
    Inside ``audited_atomic`` the entry is appended when the service ends (until then it has
    no ``seq`` or ``hash``); elsewhere at once."""
    if target is not None:
        target_type, target_id = target._meta.label_lower, target.pk
    using = router.db_for_write(AuditEntry)
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
    batch = getattr(connections[using], "tongban_audit_batch", None)
    if batch is not None:
        batch.append(entry)
    else:
        _append(using, [entry])
    return entry


def audit_append(entries: list[AuditEntry]) -> None:
    """Chain entries built by the caller (their ``at``, address and content set): for a log
    kept first elsewhere and chained in batches (``exchange.services.calls_chain``). Inside
    ``audited_atomic`` they join its batch; elsewhere they are appended at once."""
    if not entries:
        return
    using = router.db_for_write(AuditEntry)
    batch = getattr(connections[using], "tongban_audit_batch", None)
    if batch is not None:
        batch.extend(entries)
    else:
        with transaction.atomic(using=using, savepoint=False):
            _append(using, entries)


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
