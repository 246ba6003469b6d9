"""spapi-emulator: a local emulator of Amazon's Selling Partner API, driven by Amazon's models."""

__version__ = "0.1.0"
