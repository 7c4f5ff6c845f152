"""The WSGI application. Imported once per web process (each gunicorn worker, after the fork;
the runserver of ``tongban demo``), which is where the search index is warmed when
``TONGBAN_SEARCH_WARM`` is set, so that the first search does not wait seconds for it."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
application = get_wsgi_application()

if settings.TONGBAN_SEARCH_WARM:
    from tongban.catalog.search import warm_in_background

    warm_in_background()
