"""Pick specialties from the taxonomy (space toggles); keeps the ticks when the list reloads."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import SelectionList

from doctorbook.core.doctors.specialties import SpecialtyView
from doctorbook.tui.text import literal


class SpecialtyPicker(SelectionList[str]):
    """Values are specialty names, as core takes them."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)

    def show(self, specialties: Iterable[SpecialtyView], selected: Iterable[str] = ()) -> None:
        """Offer `specialties`, ticking `selected` (names, any case)."""
        ticked = {name.casefold() for name in selected}
        highlighted = self.highlighted or 0
        self.clear_options()
        self.add_options(
            [(literal(s.name), s.name, s.name.casefold() in ticked) for s in specialties]
        )
        if self.option_count:
            # Space toggles the highlighted line: there must always be one.
            self.highlighted = min(highlighted, self.option_count - 1)

    def keep_ticks_and_show(self, specialties: Iterable[SpecialtyView]) -> None:
        """Offer a fresh taxonomy, keeping what is ticked now."""
        self.show(specialties, self.selected)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.selected)
