from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.crypto import EncryptedTextField

from .choices import Channel, MessageStatus


class Message(models.Model):
    """One outgoing message. Recipient and body are sealed: bodies carry one-time codes (and so
    is the last error: a gateway's error may quote them).

    A QUEUED message with ``next_attempt_at`` set waits for that retry; with it empty, a delivery
    task is on its way. FAILED means the attempts ran out: only an admin re-queues it."""

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = EncryptedTextField(_("接收方"))
    recipient_masked = models.CharField(_("接收方（脱敏）"), max_length=100)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = EncryptedTextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = EncryptedTextField(_("最近一次失败原因"), blank=True, default="")
    next_attempt_at = models.DateTimeField(_("下次重试时间"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件账号"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    link = models.CharField(_("相关页面"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["account", "read_at"],
                condition=models.Q(account__isnull=False),
                name="message_inbox_unread",
            ),
            models.Index(
                fields=["account", "-created_at", "-id"],
                condition=models.Q(account__isnull=False),
                name="message_inbox",
            ),
        ]
        verbose_name = _("消息")
        verbose_name_plural = _("消息")

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient_masked}"
