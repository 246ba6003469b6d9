"""The cassettes page's view: the recordings of the cassettes folder, by cassette, each
interaction with its request, its answer and the drift check's verdict against the models."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.inspector.requests import ShownBody, show
from emulator.inspector.sources import ReviewedInteraction, Sources


@dataclass(frozen=True)
class Shown:
    interaction: ReviewedInteraction
    request: ShownBody
    response: ShownBody

    @property
    def verdict(self) -> str:
        if not self.interaction.checked:
            return "not checked (not an SP-API operation)"
        return "drift" if self.interaction.problems else "agrees with the models"


@dataclass(frozen=True)
class Cassette:
    name: str
    interactions: list[Shown]

    @property
    def drifts(self) -> int:
        return sum(1 for s in self.interactions if s.interaction.problems)


@dataclass(frozen=True)
class CassettesView:
    folder: str
    cassettes: list[Cassette]
    problem: str | None  # why the folder could not be read

    @property
    def checked(self) -> int:
        return sum(1 for c in self.cassettes for s in c.interactions if s.interaction.checked)

    @property
    def drifts(self) -> int:
        return sum(c.drifts for c in self.cassettes)


def view(sources: Sources) -> CassettesView:
    folder = str(sources.settings.cassettes_dir)
    if sources.cassettes is None:
        return CassettesView(folder, [], "no cassette reader is wired into this emulator")
    found = sources.cassettes()
    if isinstance(found, str):
        return CassettesView(folder, [], found)
    cassettes: dict[str, list[Shown]] = {}
    for item in found:
        cassettes.setdefault(item.cassette, []).append(Shown(
            item, show(item.request_body, len(item.request_body)),
            show(item.response_body, len(item.response_body), item.response_type)))
    return CassettesView(folder, [Cassette(name, shown) for name, shown in cassettes.items()],
                         None)
