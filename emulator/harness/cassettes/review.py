"""The cassettes of a folder as the inspector shows them: every interaction with the drift
check's verdict against the current models, read again only when a file changed."""

from __future__ import annotations

from pathlib import Path

from emulator.harness.cassettes.drift import DriftChecker
from emulator.harness.cassettes.store import CassetteError, cassette_files, load_cassette
from emulator.inspector.sources import ReviewedInteraction
from emulator.models.spec import ModelSet


class CassetteReview:
    def __init__(self, models: ModelSet, root: Path) -> None:
        self.models = models
        self.root = root
        self._checker: DriftChecker | None = None
        self._seen: tuple[tuple[str, float], ...] | None = None
        self._reviewed: list[ReviewedInteraction] | str = []

    def __call__(self) -> list[ReviewedInteraction] | str:
        if not self.root.exists():
            return f"{self.root} does not exist (choose a folder with --cassettes DIR)"
        files = cassette_files(self.root)
        seen = tuple((str(p), p.stat().st_mtime) for p in files)
        if seen != self._seen:
            self._reviewed = self._review(files)
            self._seen = seen
        return self._reviewed

    def _review(self, files: list[Path]) -> list[ReviewedInteraction] | str:
        if self._checker is None:
            self._checker = DriftChecker(self.models)
        reviewed = []
        for path in files:
            try:
                interactions = load_cassette(path)
            except CassetteError as error:
                return str(error)
            name = str(path.relative_to(self.root)) if path != self.root else path.name
            for interaction in interactions:
                problems = self._checker.problems(interaction)
                reviewed.append(ReviewedInteraction(
                    name, interaction.index, interaction.method, interaction.uri,
                    interaction.status, interaction.request_body, interaction.response_body,
                    interaction.response_header("content-type"), problems is not None,
                    tuple(f"{d.operation or '-'}: {d.message}" for d in problems or ())))
        return reviewed
