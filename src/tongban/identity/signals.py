"""Keep Django's ``is_staff``/``is_superuser`` derived from the platform-admin role.

The role is the one source of truth (``access.is_platform_admin``); these receivers recompute the
two flags whenever an account is saved with them (so a flag set by hand is put back) and whenever
a staff role is added or removed (the admin's role inline, for instance)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .access import is_platform_admin
from .models import Account, Staff, StaffRole

FLAGS = ("is_staff", "is_superuser")


@receiver(pre_save, sender=Account, dispatch_uid="identity.account_flags_from_role")
def _account_flags_from_role(sender, instance: Account, update_fields=None, **kwargs):
    if update_fields is not None and not set(update_fields) & set(FLAGS):
        return  # e.g. last_login at every login: the flags are not written
    admin = instance.pk is not None and is_platform_admin(instance)
    instance.is_staff = instance.is_superuser = admin


@receiver(post_save, sender=StaffRole, dispatch_uid="identity.role_saved_flags")
@receiver(post_delete, sender=StaffRole, dispatch_uid="identity.role_deleted_flags")
def _role_changed(sender, instance: StaffRole, **kwargs):
    account_id = Staff.objects.filter(pk=instance.staff_id).values_list("account_id", flat=True)
    for account in Account.objects.filter(pk__in=list(account_id)):
        account.save(update_fields=FLAGS)
