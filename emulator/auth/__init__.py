"""Who is calling: apps and sellers, Login with Amazon, tokens. May use the gateway, the
runtime and the models.

`accounts.py` (the registered apps and sellers, and open-auth sellers derived from refresh
tokens), `tokens.py` (access tokens, grantless tokens, RDTs, authorization codes on the
emulator clock), `lwa.py` (`POST /auth/o2/token` with LWA's bodies), `consent.py` (website
authorization), and `stage.py` (the pipeline stage that turns `x-amz-access-token` into a
principal, or Amazon's 403).
"""
