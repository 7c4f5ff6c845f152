"""Data sharing and exchange (数据共享交换平台): the resource catalog (信息资源目录) of what
departments hold, grants to consumer departments, the exchange API with its signed receipts,
subscriptions, data quality, and prefill of applications from what the government already holds."""

from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "tongban.exchange"
    label = "exchange"
    verbose_name = _("数据共享交换")

    def ready(self):
        from tongban.core.audit import register_action_labels
        from tongban.core.schedule import register_periodic

        from . import tasks

        register_periodic("exchange.deliver", tasks.deliver_task, every=timedelta(minutes=1))
        # calls' audit entries whose own chain task did not run (a worker died, a clock skewed)
        register_periodic("exchange.chain", tasks.chain_task, every=timedelta(minutes=1))
        _forget_on_token_delete()
        register_action_labels(
            {
                "exchange.resource.publish": _("发布信息资源"),
                "exchange.resource.update": _("更新信息资源"),
                "exchange.grant.request": _("申请共享数据"),
                "exchange.grant.approve": _("批准共享申请"),
                "exchange.grant.refuse": _("拒绝共享申请"),
                "exchange.grant.revoke": _("撤销共享授权"),
                "exchange.client.register": _("注册接入系统"),
                "exchange.client.revoke": _("停用接入系统"),
                "exchange.query": _("部门通过数据共享交换查询了您的信息"),
                "exchange.call_refused": _("数据共享交换调用被拒绝"),
                "exchange.resources": _("查询可用信息资源"),
                "exchange.subscribe": _("订阅信息资源变更"),
                "exchange.event.delivered": _("投递订阅事件"),
                "exchange.event.requeue": _("重新投递订阅事件"),
            }
        )


def _forget_on_token_delete() -> None:
    """A deleted (revoked) access token stops working in this process at once (exchange.cached:
    other processes within its TTL)."""
    from django.db.models.signals import post_delete
    from oauth2_provider.models import get_access_token_model

    post_delete.connect(
        _token_deleted, sender=get_access_token_model(), dispatch_uid="exchange-token-forget"
    )


def _token_deleted(**_signal) -> None:
    from . import cached

    cached.forget()
