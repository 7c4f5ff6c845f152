from . import context


class RequestContextMiddleware:
    """Binds the client address and user agent for the audit log.

    REMOTE_ADDR is used as is: behind a reverse proxy, the proxy must set it (gunicorn's
    ``--forwarded-allow-ips``); X-Forwarded-For from the open internet is never trusted here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.bind(
            context.RequestContext(
                ip=request.META.get("REMOTE_ADDR", ""),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
