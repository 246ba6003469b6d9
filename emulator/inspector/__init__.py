"""The inspector: a server-rendered web page at /_emulator/ui to watch and steer the emulator
(its settings and clock, the request journal live, every seller's business, reports and feeds,
notifications, faults, state snapshots, cassettes).

Where it sits: a layer of its own between the harness and the families. It reads every
family's books in their own types (the reports and feeds books, the notification outbox, the
finances ledger) and the business core, so the families stay free of HTML and of any UI
framework, and the control plane stays ignorant of the families, as the layers require. The
harness runs the whole emulator, inspector included, and may lend it what only the harness
knows (the cassettes' drift check, wired in app.py).

    sources.py     what the inspector reads and turns: the emulator's parts, one object
    overview.py, requests.py, business.py, jobs.py, notifications.py, cassettes.py
                   each page's view of the state: plain Python, no HTTP
    metrics.py     requests per second and latency percentiles from the journal
    plots.py       server-side SVG charts (geometry here, drawing in templates/plots.html)
    guard.py       its rules: no SP-API token, same-origin form posts with a page token,
                   security headers
    sessions.py    with --control-token: the token's check and the login sessions (no HTTP)
    login.py       with --control-token: the door in front of every page, and the login page
    web.py         the Starlette app: routes, Jinja2 templates (autoescaped), static files
    templates/, static/   the pages, plain CSS, and htmx with its SSE extension (vendored)

It uses Starlette and Jinja2 only: no build step, nothing fetched at run time.
"""

from emulator.inspector.sources import Sources
from emulator.inspector.web import inspector_app

__all__ = ["Sources", "inspector_app"]
