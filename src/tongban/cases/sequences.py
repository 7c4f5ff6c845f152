"""Gap-free counters by key (case numbers, queue numbers): one row per key, incremented with a
single UPDATE under that row's lock, so concurrent callers never get the same number."""

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
