"""The validating proxy (`spapi-emulator proxy`): put it between any SP-API client, in any
language, and the emulator or Amazon's sandbox; it checks every request and answer against
Amazon's models and Amazon's conventions, and reports what is wrong.

    upstream.py   where traffic goes (emulator, sandbox-na|eu|fe, a URL)
    checks.py     what is checked, reusing the emulator's router and request validation
    kinds.py      the kinds of violation, and what each means
    report.py     the violations, live and at shutdown
    app.py        the ASGI app that forwards and checks
    runner.py     running it (in a thread for tests, in the foreground for the CLI)
    serving.py    serving an ASGI app on a bound socket (also used by the replay server)
"""
