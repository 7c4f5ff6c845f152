from django import template

from tongban.core.audit import action_label

register = template.Library()


@register.filter
def security_event(action: str) -> str:
    return action_label(action)
