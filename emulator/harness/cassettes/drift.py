"""Drift between recorded cassettes and the current models.

Every recorded SP-API answer is checked against the model of its operation as it is now: the
path must still route to an operation, the status must be one the operation declares, and the
body must validate against that status's schema. LWA answers are checked for LWA's shape.
Amazon updates its models often; a cassette recorded last month that no longer validates
means either the model changed under a client's feet or the recording is stale.

Interactions that are not SP-API calls (document downloads, the emulator's control plane)
are skipped: an unrouted path counts as drift only when it looks like an SP-API path (its
first segment is one the models use, `/orders/...`) and was answered with success.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from emulator.gateway.router import Router
from emulator.harness.cassettes.store import Interaction, load_all
from emulator.harness.proxy.checks import lwa_answer_problems
from emulator.models.schemas import validator_for
from emulator.models.spec import ModelSet

LWA_PATH = "/auth/o2/token"


@dataclass(frozen=True)
class Drift:
    interaction: str  # "<cassette> #<index> METHOD URI"
    operation: str | None
    message: str


@dataclass
class DriftReport:
    checked: int = 0
    skipped: int = 0
    drifts: list[Drift] = field(default_factory=list)

    def format(self) -> str:
        lines = [f"{d.interaction}\n    {d.operation or '-'}: {d.message}" for d in self.drifts]
        verdict = f"{len(self.drifts)} drift(s)" if self.drifts else "no drift"
        lines.append(f"{self.checked} interactions checked against the models, "
                     f"{self.skipped} skipped (not SP-API): {verdict}")
        return "\n".join(lines)


class DriftChecker:
    def __init__(self, models: ModelSet) -> None:
        self.models = models
        self.router = Router(models.operations)
        self._prefixes = {op.path.strip("/").split("/")[0] for op in models.operations}

    def check(self, root: Path) -> DriftReport:
        report = DriftReport()
        for interaction in load_all(root):
            problems = self.problems(interaction)
            if problems is None:
                report.skipped += 1
                continue
            report.checked += 1
            report.drifts.extend(problems)
        return report

    def problems(self, interaction: Interaction) -> list[Drift] | None:
        """The drift of one interaction; None when it is not an SP-API or LWA call."""
        if interaction.path.rstrip("/") == LWA_PATH:
            return [Drift(interaction.describe(), "LWA", problem) for problem in
                    lwa_answer_problems(interaction.status, interaction.response_body)]
        match = self.router.match(interaction.method, interaction.path)
        if match is None:
            first = interaction.path.strip("/").split("/")[0]
            if first in self._prefixes and 200 <= interaction.status < 300:
                return [Drift(interaction.describe(), None,
                              f"no operation in the current models answers "
                              f"{interaction.method} {interaction.path}")]
            return None
        operation = match.operation
        found: list[Drift] = []

        def drift(message: str) -> None:
            found.append(Drift(interaction.describe(), operation.uid, message))

        declared = operation.responses.get(str(interaction.status))
        if declared is None:
            drift(f"status {interaction.status} is not declared by the model")
            return found
        schema = declared.get("schema")
        if schema is None or interaction.status == 204:
            return found
        if not interaction.response_body.strip():
            drift(f"empty body; the model declares a schema for {interaction.status}")
            return found
        try:
            body = json.loads(interaction.response_body)
        except ValueError:
            drift("the body is not JSON")
            return found
        errors = sorted(validator_for(operation.model, schema).iter_errors(body),
                        key=lambda e: len(e.absolute_path))
        for error in errors[:3]:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            drift(f"body at {where}: {error.message[:200]}")
        return found
