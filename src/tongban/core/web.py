"""Domain errors in pages: specific messages on the form, or an error page with the right 4xx;
a form field taking several files in one input."""

from django import forms
from django.http import HttpResponse
from django.template.loader import select_template

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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files in one input (``includes/files_field.html`` renders it), a list once
    cleaned; what each may be is the service's to check (``core.uploads``)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(FilesField, self).clean(f, initial) for f in files]


class DomainErrorMiddleware:
    """A domain error that escapes a page view becomes an error page, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        return error_page(request, exception)


def error_page(request, exc: DomainError) -> HttpResponse:
    """The page for a domain error, with its status."""
    # A section may dress its own error page (``workbench/error.html``); else the portal's.
    section = request.path.strip("/").split("/", 1)[0]
    template = select_template([f"{section}/error.html", "error.html"])
    body = template.render({"error": exc}, request)
    return HttpResponse(body, status=exc.status)
