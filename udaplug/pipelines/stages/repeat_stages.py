from typing import List

from udaplug.registry import STAGES
from .base import BaseStage


@STAGES.register_module()
class RepeatStages(BaseStage):
    """Run a block of stages ``times`` times (rounds of self-training,
    BDL's bidirectional learning, Musto & Zinelli's iterations).

    Round ``k`` runs in ``<work_dir>/<name>/round_<k>/<stage>``. A
    reference inside the block names the latest run of a stage: in round
    ``k`` a stage that comes later in the block refers to round ``k - 1``,
    so it needs a fallback for the first round
    (``'@later.checkpoint | @before_block.checkpoint'``).

    Args:
        name (str): Block name (its folder).
        times (int): Number of rounds (>= 1).
        stages (list[dict]): The stages of one round.
    """
    is_block = True

    def __init__(self, name: str, times: int, stages: List[dict]) -> None:
        super().__init__(name)
        if isinstance(times, bool) or not isinstance(times, int) or \
                times < 1:
            raise ValueError(f'RepeatStages "{name}": times must be an '
                             f'integer >= 1, got {times!r}')
        if not isinstance(stages, (list, tuple)) or not stages:
            raise ValueError(f'RepeatStages "{name}": stages must be a '
                             'non-empty list of stage settings')
        self.times = times
        self.stages = list(stages)

    def children(self) -> List[dict]:
        return self.stages

    def run(self, ctx) -> dict:
        for k in range(1, self.times + 1):
            ctx.run_children(f'round_{k}')
        return {}
