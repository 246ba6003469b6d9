"""Stateful handlers, one module per SP-API family. Each module's `install(...)` registers its
handlers in the app's HandlerRegistry; handlers translate between HTTP and the state code."""
