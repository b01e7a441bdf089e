import json
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple

from mmengine.config import Config, ConfigDict

from ..references import ResolvedDict

#: Config keys that do not change what a train stage computes (left out of
#: the settings a finished stage is compared with).
VOLATILE_KEYS = ('work_dir', 'launcher', 'resume', 'env_cfg',
                 'experiment_name')


class BaseStage:
    """Base of the pipeline stage types (registry
    :data:`udaplug.registry.STAGES`).

    The pipeline runner builds a stage twice: once from its settings as
    written, to check them before anything runs, and once, right before it
    runs, from its settings with the references to other stages' outputs
    replaced by their values. Constructors only store and check settings;
    files are read in :meth:`setup` and :meth:`run`.

    A stage type declares the names of its outputs in :attr:`outputs`;
    :meth:`run` returns a dict with (at least) these keys, JSON-serialisable
    (paths, numbers, dataset config dicts). The runner records them in the
    stage's marker file and hands them to later stages that refer to them.

    Args:
        name (str): The stage's name: its work dir under the pipeline's and
            what references call it.
    """
    #: Names of the outputs :meth:`run` returns.
    outputs: Tuple[str, ...] = ()
    #: A block of stages (e.g. :class:`RepeatStages`): its settings are not
    #: resolved and it has no marker; its child stages have.
    is_block: bool = False

    def __init__(self, name: str) -> None:
        self.name = name

    def children(self) -> List[dict]:
        """The settings of the stages inside a block."""
        return []

    def setup(self, ctx) -> None:
        """Read what the stage needs (configs) and check it; runs before
        the stage is run or skipped."""

    def fingerprint(self, ctx) -> Any:
        """JSON-serialisable data that, besides the stage's settings, decide
        its outputs (e.g. the loaded config): when they differ from the
        marker's, a finished stage is not silently reused."""
        return None

    def relocate(self, ctx, old_work_dir: str) -> None:
        """The pipeline's work dir was moved from ``old_work_dir`` to
        ``ctx.pipeline.work_dir`` since this stage finished: update the
        files it wrote that name paths in the old one (the runner has
        already updated the outputs in its marker). Called, on the main
        process only, when the stage is skipped, before later stages read
        its outputs. Files that name paths relative to themselves (e.g.
        with mmengine's ``{{ fileDirname }}``) need nothing."""

    def default_scope(self) -> Optional[str]:
        """The registry scope :meth:`run` builds its modules in (the
        runner makes it the default scope while the stage runs), or None to
        leave the current one (a train stage's mmengine ``Runner`` sets its
        config's own)."""
        return None

    def run(self, ctx) -> Dict[str, Any]:
        raise NotImplementedError


_REMOVED = object()


def _split_replacements(node: Any, path: List[str],
                        found: List[Tuple[List[str], dict]]) -> Any:
    """``node`` without the dicts references stood for, which are collected
    in ``found`` with their key paths."""
    if isinstance(node, ResolvedDict):
        found.append((path, dict(node)))
        return _REMOVED
    if isinstance(node, dict):
        kept = {}
        for key, value in node.items():
            value = _split_replacements(value, path + str(key).split('.'),
                                        found)
            if value is not _REMOVED:
                kept[key] = value
        return kept
    return node  # lists and scalars replace what was there anyway


def _set_path(root: dict, path: List[str], value: dict) -> None:
    node = root
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(f'cfg_options: {".".join(path)}: no item '
                               f'{part} in a list of {len(node)}')
            if last:
                node[int(part)] = ConfigDict(value)
            else:
                node = node[int(part)]
        elif last:
            node[part] = ConfigDict(value)
        else:
            if not isinstance(node.get(part), (dict, list)):
                node[part] = ConfigDict()
            node = node[part]


def merge_cfg_options(cfg: Config, options: Optional[dict]) -> None:
    """Merge ``options`` into ``cfg`` like ``--cfg-options`` (dotted keys,
    nested dicts merged, ``_delete_`` honoured, list items by index), except
    that a dict a reference stood for (e.g. a dataset config) replaces the
    value at its place (first, so that other options can change it)."""
    if not options:
        return
    found: List[Tuple[List[str], dict]] = []
    rest = _split_replacements(dict(options), [], found)
    for path, value in found:
        _set_path(cfg._cfg_dict, path, value)
    if rest:
        cfg.merge_from_dict(rest)


#: Key of an output value that stands for a variable of a config file.
CONFIG_FILE_KEY = 'from_config_file'


def config_file_output(path: str, variable: str) -> dict:
    """An output value that stands for the dict ``variable`` of the config
    file ``path`` (e.g. a written dataset config): references get the dict
    as the file defines it (tuples stay tuples), markers keep the path."""
    return {CONFIG_FILE_KEY: osp.abspath(path), 'variable': variable}


def load_output(value: Any) -> Any:
    """The value an output stands for (see :func:`config_file_output`)."""
    if isinstance(value, dict) and set(value) == {CONFIG_FILE_KEY, 'variable'}:
        cfg = Config.fromfile(value[CONFIG_FILE_KEY])
        return cfg[value['variable']].to_dict()
    return value


def config_fingerprint(cfg: Config) -> Any:
    """A config's contents as JSON data, without :data:`VOLATILE_KEYS`."""
    data = cfg.to_dict()
    for key in VOLATILE_KEYS:
        data.pop(key, None)
    return json.loads(json.dumps(data, sort_keys=True, default=repr))


class WriterStage(BaseStage):
    """Base of the offline stages: a trained model (``config`` +
    ``checkpoint``) writes a dataset derived from ``dataset`` into the
    stage's work dir.

    Args:
        name (str): Stage name.
        config (str): The model's config (path relative to the pipeline
            config, or a reference).
        checkpoint (str): Its checkpoint (path or reference).
        dataset (dict | str, optional): The dataset to read: a dataset
            config, or the path of a config to take it from
            (:meth:`dataset_of`); defaults to the one of ``config``.
        cfg_options (dict, optional): Changes to ``config``.
        batch_size (int): Images per forward pass.
        num_workers (int): Data-loading worker processes.
        device (str, optional): Defaults to the current GPU, else the CPU.
    """

    def __init__(self,
                 name: str,
                 config: str,
                 checkpoint: str,
                 dataset: Any = None,
                 cfg_options: Optional[dict] = None,
                 batch_size: int = 1,
                 num_workers: int = 0,
                 device: Optional[str] = None) -> None:
        super().__init__(name)
        self.config = config
        self.checkpoint = checkpoint
        self.dataset = dataset
        self.cfg_options = cfg_options or {}
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.device = device

    def dataset_of(self, cfg: Config, what: str) -> dict:
        """The dataset this stage reads in a training config."""
        raise NotImplementedError

    def setup(self, ctx) -> None:
        from ..offline import plain
        self.cfg = ctx.load_config(self.config, self.cfg_options)
        if isinstance(self.dataset, str):
            self.dataset_cfg = self.dataset_of(
                ctx.load_config(self.dataset), self.dataset)
        elif self.dataset is not None:
            self.dataset_cfg = plain(self.dataset)
        else:
            self.dataset_cfg = self.dataset_of(self.cfg, self.config)

    def default_scope(self) -> Optional[str]:
        """The model config's ``default_scope`` (udaplug's when it has
        none): the writer builds the model and the dataset's transforms
        (``PackSegInputs``...) outside any mmengine ``Runner``, so that
        nothing depends on which stage ran first in the process."""
        return self.cfg.get('default_scope') or 'udaplug'

    def fingerprint(self, ctx):
        return dict(
            model=config_fingerprint(self.cfg),
            dataset=config_fingerprint(Config(self.dataset_cfg)))

    def writer_kwargs(self) -> dict:
        """The settings every writer takes."""
        return dict(
            device=self.device,
            batch_size=self.batch_size,
            num_workers=self.num_workers)
