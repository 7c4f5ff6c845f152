"""Domain errors in pages: specific messages on the form, or an error page with the right 4xx."""

from django.shortcuts import render

from .errors import DomainError


def form_status(form, exc: DomainError | None = None) -> int:
    """The status a form page answers with: the domain error's own, 400 for other form errors."""
    if exc is not None:
        return exc.status
    return 400 if form.errors else 200


def form_add_domain_error(form, exc: DomainError) -> None:
    placed = False
    for field, message in exc.fields.items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class DomainErrorMiddleware:
    """A domain error that escapes a page view becomes an error page, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError) and not request.path.startswith("/api/"):
            return render(request, "error.html", {"error": exception}, status=exception.status)
        return None
