"""The shapes the benchmark measures."""

import dataclasses

CELLS = ("simple_rnn", "lstm", "gru")
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}
REFERENCE = dict(batch=64, time=100, features=64, hidden=256)
TIME_STEPS = (25, 100, 400, 1600)
HIDDEN_SIZES = (64, 256, 1024)


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark shape for one cell type."""

    cell: str
    batch: int
    time: int
    features: int
    hidden: int

    @property
    def shape(self):
        return f"{self.batch}x{self.time}x{self.features}x{self.hidden}"

    @property
    def is_reference(self):
        return dataclasses.asdict(self) == dict(cell=self.cell, **REFERENCE)


def full_cases(cells=CELLS):
    """The reference shape, then its scaling in time steps and in hidden size, per cell."""
    cases = []
    for cell in cells:
        shapes = [dict(REFERENCE, time=t) for t in TIME_STEPS] + [dict(REFERENCE, hidden=h) for h in HIDDEN_SIZES]
        for shape in shapes:
            case = Case(cell, **shape)
            if case not in cases:
                cases.append(case)
    return cases


def quick_cases(cells=CELLS):
    """Tiny shapes for a smoke run: every cell, two lengths."""
    return [Case(cell, batch=4, time=time, features=3, hidden=8) for cell in cells for time in (4, 8)]
