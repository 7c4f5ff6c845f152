"""`tongban oidc_client NAME --redirect-uri URI [...]`: register a client system for OIDC login.

Prints the client_id and, for a confidential client, the client secret. The secret is stored
hashed (django-oauth-toolkit 3): it is printed this once and cannot be shown again.
"""

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.identity.oidc import oidc_client_register


class Command(BaseCommand):
    help = "Register a client system (relying party) of the OpenID Connect provider."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client system's name, shown to users")
        parser.add_argument(
            "--redirect-uri",
            action="append",
            default=[],
            required=True,
            help="an allowed redirect URI (repeat for several)",
        )
        parser.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            default=[],
            help="an allowed post-logout redirect URI (repeat for several)",
        )
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument(
            "--confidential",
            dest="confidential",
            action="store_true",
            default=True,
            help="a server-side client that keeps a secret (the default)",
        )
        kind.add_argument(
            "--public",
            dest="confidential",
            action="store_false",
            help="a client that cannot keep a secret (SPA, mobile app): PKCE only",
        )
        parser.add_argument(
            "--skip-consent",
            action="store_true",
            help="a trusted government system: users are not asked to approve the scopes",
        )

    def handle(self, *args, **options):
        try:
            application, secret = oidc_client_register(
                name=options["name"],
                redirect_uris=options["redirect_uri"],
                post_logout_redirect_uris=options["post_logout_redirect_uri"],
                confidential=options["confidential"],
                skip_authorization=options["skip_consent"],
            )
        except DomainError as exc:
            details = "; ".join(f"{field}: {message}" for field, message in exc.fields.items())
            raise CommandError(f"{exc.message} {details}".strip()) from None
        self.stdout.write(f"client_id: {application.client_id}")
        if secret:
            self.stdout.write(f"client_secret: {secret}")
            self.stdout.write(
                self.style.WARNING(
                    "The secret is stored hashed: keep it now, it cannot be shown again."
                )
            )
        else:
            self.stdout.write("public client: no secret; it must use PKCE (S256).")
        self.stdout.write(f"algorithm: {application.algorithm}")
