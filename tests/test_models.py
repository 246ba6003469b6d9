"""Amazon's models, once per test run: every (patched) model is a valid Swagger 2.0 document.
The emulator skips this check at start (it costs about 3 s), so it must hold here."""

from __future__ import annotations

from connexion.spec import Swagger2Specification

from emulator.models.spec import ModelSet


def test_every_patched_model_is_valid_swagger(models: ModelSet) -> None:
    assert len(models.models) == 66
    for model in models.models.values():
        Swagger2Specification(dict(model.document))  # raises InvalidSpecification
