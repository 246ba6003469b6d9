"""The control plane under `/_emulator`: what the emulator says about itself and the knobs a
test turns (clock, faults, journal, reset, seed, state snapshots). May use the business core,
auth, the gateway, the runtime and the models, never a family: families add their own routes
(`ControlExtensions`) when they are installed.

`plane.py` is the Starlette app (it refuses SP-API tokens); `openapi.py` describes it;
`guard.py` stands in front of it, and of any page served under `/_emulator` (Host, Origin,
JSON writes, encoded slashes, the control token).
"""
