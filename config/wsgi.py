"""The WSGI application that gunicorn serves (`gunicorn config.wsgi`: production's, and the benchmark's).

Once it is loaded, with its URL patterns (which import every view and what each view imports), what it made
is moved out of the garbage collector's sight (`gc.freeze`): modules, classes, models, patterns and settings,
nine tenths of what a worker keeps for its life. A page makes thousands of objects, so the collector runs
many times a request, and every so often it checks its oldest generation whole: unfrozen, that was the whole
application again, on the time of whichever request tipped it (on the team's week, about a quarter of the
collector's time). What requests make is collected as before.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 — every view imported now, so frozen with the rest
gc.collect()  # what loading left behind goes first, rather than being kept for good
gc.freeze()
