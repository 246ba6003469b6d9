"""spapi-emulator: a local emulator of Amazon's Selling Partner API, driven by Amazon's models.

The house, top to bottom (each layer may use those below it; import-linter checks it):

    app.py, server.py, cli.py, config.py   assembling and running it; its settings
    harness/     proxy, cassettes, replay, pytest plugin: tools that run the whole emulator
    inspector/   the web page at /_emulator/ui over all of it (reads the families' books)
    families/    one package per SP-API family: its handlers apart from its rules
    control/     the /_emulator control plane
    business/    the sellers' business every family builds on: entities, generation, store
    auth/        apps, sellers, LWA, tokens, the token stage
    gateway/     the request's way: router, pipeline, stages, the answer, errors, replies
    runtime/     clock, scheduler, randomness, events, journal, faults, throttling, documents
    models/      Amazon's models: operations, patches, schemas, sandbox cases, synthesis
"""

__version__ = "0.1.0"
