import gc
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.dist import barrier

from udaplug.registry import STAGES
from udaplug.utils import last_checkpoint
from ..offline import on_main_process, replace_path_in_file
from .base import BaseStage, config_fingerprint, merge_cfg_options

STAGE_CONFIG = 'stage_config.py'


@STAGES.register_module()
class TrainStage(BaseStage):
    """Train an ordinary udaplug config with MMEngine's runner.

    The config (a path relative to the pipeline config, or a reference) is
    loaded, the pipeline's ``stage_cfg_options`` and then the stage's
    ``cfg_options`` are merged into it (like ``--cfg-options``: dotted keys,
    nested dicts merged, ``_delete_``; a dict a reference stands for, e.g. a
    dataset, replaces what was there), and it is trained in the stage's
    work dir, distributed when the pipeline runs under ``torchrun``, with
    mixed precision under ``--amp``, like ``tools/train.py`` would.

    An interrupted stage resumes from its last checkpoint (weights,
    optimizers, schedulers, iteration). The checkpoint hook always saves
    the last iteration (``save_last=True``).

    Outputs:
        checkpoint: the checkpoint of the last iteration;
        config: the config as trained (``stage_config.py`` in the work
            dir, with references resolved; usable by ``tools/test.py``;
            its paths in the pipeline's work dir are rewritten when the
            pipeline runs again after the work dir was moved);
        work_dir: the stage's work dir.

    Args:
        name (str): Stage name.
        config (str): Config file path (relative to the pipeline config)
            or a reference to a config output.
        cfg_options (dict, optional): Changes to the config.
    """
    outputs = ('checkpoint', 'config', 'work_dir')

    def __init__(self,
                 name: str,
                 config: str,
                 cfg_options: Optional[dict] = None) -> None:
        super().__init__(name)
        if not isinstance(config, str):
            raise TypeError(f'TrainStage "{name}": config must be a config '
                            f'file path, got {type(config).__name__}')
        if cfg_options is not None and not isinstance(cfg_options, dict):
            raise TypeError(f'TrainStage "{name}": cfg_options must be a '
                            f'dict, got {type(cfg_options).__name__}')
        self.config = config
        self.cfg_options = cfg_options or {}
        self.cfg = None

    def setup(self, ctx) -> None:
        from udaplug.apis import enable_amp
        cfg = ctx.load_config(self.config)
        merge_cfg_options(cfg, ctx.stage_cfg_options)
        merge_cfg_options(cfg, self.cfg_options)
        hook = (cfg.get('default_hooks') or {}).get('checkpoint')
        if not hook:
            raise ValueError(
                f'stage "{ctx.key}": the config {self.config} has no '
                'checkpoint hook (default_hooks.checkpoint); a train stage '
                'needs it for its output and for resuming')
        hook['save_last'] = True
        cfg.work_dir = ctx.work_dir
        if ctx.amp:
            enable_amp(cfg)
        self.cfg = cfg

    def fingerprint(self, ctx):
        return config_fingerprint(self.cfg)

    def relocate(self, ctx, old_work_dir: str) -> None:
        """``stage_config.py`` names the pipeline's files with absolute
        paths (its work dir, ``load_from``, checkpoints and datasets of
        earlier stages): rewrite those in the moved work dir."""
        path = osp.join(ctx.work_dir, STAGE_CONFIG)
        if osp.isfile(path):
            replace_path_in_file(path, old_work_dir, ctx.pipeline.work_dir)

    def run(self, ctx) -> dict:
        from udaplug.apis import build_runner, setup_launcher
        cfg = self.cfg
        os.makedirs(ctx.work_dir, exist_ok=True)
        cfg.experiment_name = ctx.experiment_name()
        setup_launcher(cfg, ctx.launcher)
        cfg.resume = False
        dumped = osp.join(ctx.work_dir, STAGE_CONFIG)
        on_main_process(cfg.dump, dumped)
        resume_from = last_checkpoint(ctx.work_dir)
        if resume_from is not None:
            ctx.log(f'stage {ctx.key}: resuming from {resume_from}')
            cfg.resume = True
            cfg.load_from = resume_from
        runner = build_runner(cfg)
        runner.train()
        barrier()
        checkpoint = last_checkpoint(ctx.work_dir)
        del runner
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        if checkpoint is None:
            raise RuntimeError(
                f'stage {ctx.key}: training ended without a checkpoint in '
                f'{ctx.work_dir} (no last_checkpoint file)')
        return dict(
            checkpoint=checkpoint, config=dumped, work_dir=ctx.work_dir)
