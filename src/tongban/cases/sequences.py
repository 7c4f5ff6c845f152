"""Gap-free counters by key (case numbers, queue numbers): one row per key, incremented with a
single UPDATE under that row's lock, so concurrent callers never get the same number.

Gap-free holds because the increment is part of the caller's transaction: a caller that rolls
back (or rolls back the savepoint it took the number in) gives the number back, and the row stays
locked until the caller commits, so the next caller waits and takes the number after the last
committed one. Callers must therefore take a number in the same (save)point as the row that
carries it: ``cases.services.case_create_draft`` takes it in the savepoint that saves the case,
so a double submit that loses on its idempotency key skips nothing. The cost is that the counter's
row is held until that transaction commits, serialising case creation per region and day.

The law does not ask for this: 办件编号 must be unique and traceable, and only invoices (发票)
must be numbered without gaps. Should numbering ever move to its own short transaction, numbers
would become "unique and increasing, may skip" and this docstring and the README must say so."""

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import NumberSequence


def sequence_next(key: str) -> int:
    """The next number for ``key`` (1 for a new key), inside the caller's transaction."""
    with transaction.atomic():
        if not NumberSequence.objects.filter(key=key).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(key=key, last=1)
            except IntegrityError:
                NumberSequence.objects.filter(key=key).update(last=F("last") + 1)
        return NumberSequence.objects.get(key=key).last
