"""Run a pipeline config: stages in order, outputs handed over by
reference, finished stages skipped, interrupted ones resumed.

See ``docs/pipelines.md`` for the config format.
"""
import hashlib
import json
import os
import os.path as osp
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.dist import barrier, get_dist_info, is_distributed
from mmengine.logging import MMLogger, print_log
from mmengine.registry import DefaultScope

from udaplug.registry import STAGES
from udaplug.utils import check_config_path, unique_run_name
from .offline import (on_main_process, plain, read_json, replace_path_prefix,
                      write_json)
from .references import (STAGE_NAME, StageReferenceError, close_names,
                         iter_references, resolve_references)
from .stages.base import CONFIG_FILE_KEY, load_output, merge_cfg_options

#: The file a finished stage leaves in its work dir.
MARKER = 'stage_done.json'
#: The outputs of every stage, written at the end of each run.
SUMMARY = 'pipeline_outputs.json'
#: How markers write the pipeline's work dir, so that a finished pipeline
#: can be moved (its stages' states and outputs do not depend on where it
#: lies).
WORK_DIR_TOKEN = '${pipeline_work_dir}'
#: Top-level keys of a pipeline config (besides helper variables whose name
#: starts with ``_``); the last four are set by the tools.
PIPELINE_KEYS = ('stages', 'work_dir', 'stage_cfg_options', 'data_roots',
                 'custom_imports', 'default_scope', 'launcher', 'env_cfg',
                 'resume')


class PipelineConfigError(ValueError):
    """A pipeline config is malformed (keys, stage list, names)."""


class UnknownStageTypeError(KeyError):
    """A stage names a ``type`` the STAGES registry does not hold."""

    def __str__(self) -> str:
        return str(self.args[0])


class StageChangedError(RuntimeError):
    """A finished stage's settings (or its inputs) changed since it ran."""


class StageOutputMissingError(FileNotFoundError):
    """A stage about to run needs a file or folder that a finished stage
    recorded as its output and that is gone (deleted, or the work dir was
    moved)."""


def _missing_output(record: dict, output: str, path: str) -> str:
    return (f'the output "{output}" of stage "{record["key"]}", {path}, is '
            'gone (deleted, or moved out of the pipeline\'s work dir). '
            'Restore it, or delete that stage\'s work dir '
            f'{record["work_dir"]} (and those of the stages after it) to run '
            'it again')


def pipeline_work_dir(cfg: Config) -> str:
    """A pipeline config's work dir, absolute: its ``work_dir``, else
    ``work_dirs/<config file name>``."""
    name = osp.splitext(osp.basename(
        cfg.filename))[0] if cfg.filename else 'pipeline'
    return osp.abspath(cfg.get('work_dir') or osp.join('work_dirs', name))


def is_pipeline_config(cfg) -> bool:
    """Whether a config is a pipeline config (has ``stages``)."""
    return 'stages' in cfg


@dataclass
class _Node:
    """A stage as written in the config, checked."""
    name: str
    type: str
    settings: dict
    cls: type
    where: str
    children: List['_Node'] = field(default_factory=list)


def _changed_keys(old: Any, new: Any, path: str = '') -> List[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = []
        for key in sorted(set(old) | set(new), key=str):
            keys += _changed_keys(
                old.get(key), new.get(key), f'{path}.{key}' if path else key)
        return keys
    if isinstance(old, list) and isinstance(new, list) and \
            len(old) == len(new):
        keys = []
        for i, (a, b) in enumerate(zip(old, new)):
            keys += _changed_keys(a, b, f'{path}[{i}]')
        return keys
    return [] if old == new else [path or '(all)']


def _json(obj: Any) -> Any:
    return json.loads(json.dumps(obj, sort_keys=True, default=repr))


def _digest(state: Any) -> str:
    return hashlib.sha256(json.dumps(state,
                                     sort_keys=True).encode()).hexdigest()


class StageContext:
    """What a stage sees of the pipeline while it is set up and run."""

    def __init__(self, pipeline: 'PipelineRunner', node: _Node,
                 key: str) -> None:
        self.pipeline = pipeline
        self.node = node
        self.name = node.name
        self.key = key
        self.work_dir = osp.join(pipeline.work_dir, key)

    @property
    def amp(self) -> bool:
        return self.pipeline.amp

    @property
    def launcher(self) -> str:
        return self.pipeline.launcher

    @property
    def stage_cfg_options(self) -> dict:
        return self.pipeline.stage_cfg_options

    def log(self, message: str) -> None:
        self.pipeline.logger.info(message)

    def config_path(self, path: str) -> str:
        """``path`` relative to the pipeline config (or absolute), checked
        (a missing file is an error suggesting configs with a close
        name)."""
        full = path if osp.isabs(path) else osp.join(self.pipeline.base_dir,
                                                     path)
        try:
            return check_config_path(osp.normpath(full))
        except FileNotFoundError as err:
            raise type(err)(f'stage "{self.key}": {err}') from None

    def load_config(self, path: str, cfg_options: Optional[dict] = None):
        """Load a config file of the stage (see :meth:`config_path`), move
        its datasets to the pipeline's ``data_roots`` and merge
        ``cfg_options`` into it."""
        cfg = Config.fromfile(self.config_path(path))
        if self.pipeline.data_roots:
            from udaplug.apis import set_data_roots
            set_data_roots(cfg, self.pipeline.data_roots)
        merge_cfg_options(cfg, cfg_options)
        return cfg

    def experiment_name(self) -> str:
        """A name for the stage's mmengine runner, unique in this process
        (mmengine keeps one logger, message hub and visualizer per name)."""
        return unique_run_name(self.key.replace('/', '.'))

    def command_hint(self) -> str:
        """How to (re)create this stage's outputs."""
        return (f'python tools/train.py {self.pipeline.filename or "PIPELINE"}'
                f' (stage {self.key})')

    def run_children(self, subdir: str) -> None:
        """Blocks: run the block's stages in ``<work dir>/<subdir>``."""
        self.pipeline._run_nodes(self.node.children,
                                 osp.join(self.key, subdir))


class PipelineRunner:
    """Runs the stages of a pipeline config.

    Args:
        cfg (Config): A config with ``stages`` (see ``docs/pipelines.md``).
        amp (bool): Mixed precision for every train stage (``--amp``).
        launcher (str, optional): ``'none'`` or ``'pytorch'`` (``torchrun``);
            defaults to ``cfg.launcher`` or ``'none'``.
    """

    def __init__(self,
                 cfg: Config,
                 amp: bool = False,
                 launcher: Optional[str] = None) -> None:
        import udaplug.pipelines.stages  # noqa: F401  (built-in types)
        from udaplug.utils import register_all_modules
        register_all_modules(init_default_scope=False)
        self.cfg = cfg
        self.filename = cfg.filename
        self.base_dir = osp.dirname(osp.abspath(
            cfg.filename)) if cfg.filename else os.getcwd()
        self.work_dir = pipeline_work_dir(cfg)
        self.launcher = launcher or cfg.get('launcher', 'none') or 'none'
        self.amp = amp
        self.stage_cfg_options = plain(cfg.get('stage_cfg_options') or {})
        self.data_roots = plain(cfg.get('data_roots') or {})
        self._check_keys()
        self.nodes = self._build_nodes(cfg.stages, 'stages')
        self._check_names_and_references()
        self._records: Dict[str, List[dict]] = {}
        self.summary: List[dict] = []
        self.logger = None

    # ------------------------------------------------------------------
    # Checks before anything runs
    def _check_keys(self) -> None:
        unknown = [
            key for key in self.cfg.keys()
            if key not in PIPELINE_KEYS and not key.startswith('_')
        ]
        if unknown:
            raise PipelineConfigError(
                f'pipeline config {self.filename}: unknown top-level keys '
                f'{unknown}. A pipeline config has {list(PIPELINE_KEYS[:4])}'
                '; settings of the trained configs go into a stage\'s '
                'cfg_options (or stage_cfg_options for every train stage); '
                'helper variables start with "_".')
        stages = self.cfg.get('stages')
        if not isinstance(stages, (list, tuple)) or not stages:
            raise PipelineConfigError(
                f'pipeline config {self.filename}: stages must be a '
                f'non-empty list of stage dicts, got {stages!r}')
        if not isinstance(self.stage_cfg_options, dict):
            raise PipelineConfigError('stage_cfg_options must be a dict')
        if not isinstance(self.data_roots, dict) or not all(
                isinstance(old, str) and isinstance(new, str) and old
                for old, new in self.data_roots.items()):
            raise PipelineConfigError(
                'data_roots must be a dict of data-root prefixes to the '
                'folders that replace them, e.g. dict(data/demo='
                f'\'data/demo_dusk\'), got {self.data_roots!r}')
        for path, ref in iter_references(self.stage_cfg_options):
            raise PipelineConfigError(
                f'stage_cfg_options.{path} = "{ref.text}": references are '
                "resolved in a stage's own settings only; put it into the "
                "cfg_options of the stages that need it")

    def _build_nodes(self, specs, where: str) -> List[_Node]:
        nodes = []
        for i, spec in enumerate(specs):
            here = f'{where}[{i}]'
            if not isinstance(spec, dict):
                raise PipelineConfigError(
                    f'{here}: a stage is a dict with type and name, got '
                    f'{spec!r}')
            settings = plain(spec)
            type_ = settings.pop('type', None)
            name = settings.get('name')
            if not type_:
                raise PipelineConfigError(
                    f'{here} ({name!r}): no type; stage types: '
                    f'{sorted(STAGES.module_dict)}')
            cls = STAGES.get(type_)
            if cls is None:
                raise UnknownStageTypeError(
                    f'{here} ({name!r}): unknown stage type "{type_}".' +
                    close_names(type_, STAGES.module_dict) +
                    f' Stage types: {", ".join(sorted(STAGES.module_dict))}.'
                    ' A stage type defined in your own file must be '
                    "imported first: custom_imports = dict(imports=['"
                    "your_module'], allow_failed_imports=False) in the "
                    'pipeline config.')
            if not isinstance(name, str) or not STAGE_NAME.match(name):
                raise PipelineConfigError(
                    f'{here} ({type_}): name must be a string of letters, '
                    f'digits, "_" and "-", got {name!r}')
            try:
                stage = cls(**settings)
            except TypeError as err:
                raise PipelineConfigError(
                    f'{here} ("{name}", {type_}): {err}') from None
            node = _Node(name, type_, settings, cls, here)
            if stage.is_block:
                settings_children = stage.children()
                node.children = self._build_nodes(settings_children,
                                                  f'{here}.stages')
            nodes.append(node)
        return nodes

    def _flat(self, nodes=None) -> List[_Node]:
        flat = []
        for node in self.nodes if nodes is None else nodes:
            flat.append(node)
            flat += self._flat(node.children)
        return flat

    def _check_names_and_references(self) -> None:
        flat = self._flat()
        by_name: Dict[str, _Node] = {}
        for node in flat:
            if node.name in by_name:
                raise PipelineConfigError(
                    f'two stages are called "{node.name}" '
                    f'({by_name[node.name].where} and {node.where}); stage '
                    'names must be unique (they name work dirs and '
                    'references)')
            by_name[node.name] = node
        for position, node in enumerate(flat):
            if node.cls.is_block:
                continue
            before = {n.name for n in flat[:position]}
            for path, ref in iter_references(node.settings):
                where = f'stage "{node.name}" ({node.where}.{path})'
                for stage, output in ref.alternatives:
                    target = by_name.get(stage)
                    if target is None:
                        raise StageReferenceError(
                            f'{where}: "{ref.text}" names the stage '
                            f'"{stage}", which does not exist.' +
                            close_names(stage, by_name) +
                            f' Stages: {", ".join(by_name)}.')
                    if target.cls.is_block:
                        raise StageReferenceError(
                            f'{where}: "{ref.text}": "{stage}" is a '
                            f'{target.type} block, which has no outputs; '
                            'refer to a stage inside it')
                    if output not in target.cls.outputs:
                        raise StageReferenceError(
                            f'{where}: "{ref.text}": a {target.type} has no '
                            f'output "{output}".' +
                            close_names(output, target.cls.outputs) +
                            f' Its outputs: {", ".join(target.cls.outputs)}.')
                if not before.intersection(ref.stages):
                    raise StageReferenceError(
                        f'{where}: "{ref.text}": no stage named there runs '
                        f'before "{node.name}", so the reference cannot be '
                        'resolved the first time it runs. Refer to earlier '
                        'stages; inside a repeat block, add a fallback for '
                        'the first round: "@later.output | '
                        '@earlier.output".')

    # ------------------------------------------------------------------
    # Running
    def _setup_distributed(self) -> None:
        if self.launcher == 'none' or is_distributed():
            return
        if torch.cuda.is_available():
            from mmengine.dist import init_dist
            init_dist(self.launcher, backend='nccl')
        elif self.launcher == 'pytorch':
            torch.distributed.init_process_group(backend='gloo')
        else:
            raise RuntimeError(f'launcher {self.launcher} needs GPUs; on CPU '
                               'use tools/dist_train.sh (torchrun)')

    def _make_logger(self) -> MMLogger:
        stamp = time.strftime('%Y%m%d_%H%M%S')
        return MMLogger.get_instance(
            unique_run_name('udaplug_pipeline'),
            log_file=osp.join(self.work_dir, f'pipeline_{stamp}.log'),
            log_level='INFO')

    def run(self) -> List[dict]:
        """Run (or skip) every stage. Returns one entry per stage run:
        ``dict(key, type, status, outputs)``, ``status`` one of ``'ran'``,
        ``'resumed'``, ``'skipped'``."""
        self._setup_distributed()
        os.makedirs(self.work_dir, exist_ok=True)
        barrier()
        self.logger = self._make_logger()
        self.logger.info(
            f'pipeline {self.filename}: work dir {self.work_dir}, '
            f'{get_dist_info()[1]} process(es)')
        self._records = {}
        self.summary = []
        self._run_nodes(self.nodes, '')
        on_main_process(write_json, osp.join(self.work_dir, SUMMARY),
                        self.summary)
        self.logger.info('pipeline finished: ' +
                         ', '.join(f'{s["key"]} ({s["status"]})'
                                   for s in self.summary))
        return self.summary

    def _run_nodes(self, nodes: List[_Node], prefix: str) -> None:
        for node in nodes:
            key = osp.join(prefix, node.name) if prefix else node.name
            ctx = StageContext(self, node, key)
            if node.cls.is_block:
                self.logger.info(f'block {key} ({node.type})')
                node.cls(**node.settings).run(ctx)
                continue
            self._run_stage(node, ctx)

    def _lookup(self, inputs: Dict[str, str], paths: List[tuple]):
        """A reference resolver recording the digest of every stage it
        reads into ``inputs`` and ``(record, output, path)`` for every
        output that is an absolute path into ``paths``."""

        def lookup(stage: str, output: str) -> Tuple[bool, Any]:
            records = self._records.get(stage)
            if not records:
                return False, None
            record = records[-1]
            if output not in record['outputs']:
                raise StageReferenceError(
                    f'stage "{record["key"]}" recorded no output "{output}" '
                    f'(it has {sorted(record["outputs"])})')
            inputs[record['key']] = record['digest']
            value = record['outputs'][output]
            if isinstance(value, dict) and CONFIG_FILE_KEY in value:
                # read now (the settings hold its contents)
                if not osp.isfile(value[CONFIG_FILE_KEY]):
                    raise StageOutputMissingError(
                        _missing_output(record, output,
                                        value[CONFIG_FILE_KEY]))
            elif isinstance(value, str) and osp.isabs(value):
                paths.append((record, output, value))
            return True, load_output(value)

        return lookup

    def _portable(self, obj: Any) -> Any:
        """``obj`` with the paths in the work dir written as
        :data:`WORK_DIR_TOKEN`/..."""
        return replace_path_prefix(obj, self.work_dir, WORK_DIR_TOKEN)

    def _local(self, obj: Any) -> Any:
        """The inverse of :meth:`_portable`, for the work dir of this
        run."""
        return replace_path_prefix(obj, WORK_DIR_TOKEN, self.work_dir)

    def _relocate(self, stage, ctx: StageContext, marker: dict,
                  marker_path: str) -> None:
        stage.relocate(ctx, marker['pipeline_work_dir'])
        write_json(marker_path, dict(marker, pipeline_work_dir=self.work_dir))

    def _run_stage(self, node: _Node, ctx: StageContext) -> None:
        inputs: Dict[str, str] = {}
        paths: List[tuple] = []
        settings, _ = resolve_references(node.settings,
                                         self._lookup(inputs, paths), ctx.key)
        stage = node.cls(**settings)
        stage.setup(ctx)
        state = _json(
            dict(
                type=node.type,
                settings=settings,
                fingerprint=stage.fingerprint(ctx),
                inputs=inputs))
        # markers hold paths in the work dir as WORK_DIR_TOKEN/...: the
        # digest does not change when the whole work dir is moved
        portable = self._portable(state)
        digest = _digest(portable)
        marker_path = osp.join(ctx.work_dir, MARKER)
        if osp.isfile(marker_path):
            marker = read_json(marker_path)
            # markers of udaplug versions that recorded absolute paths are
            # still reused in place (their digest is that of ``state``)
            if marker.get('digest') not in (digest, _digest(state)):
                changed = _changed_keys(
                    self._local(marker.get('state')), state)
                listed = ', '.join(
                    changed[:8]) + (f' and {len(changed) - 8} more'
                                    if len(changed) > 8 else '')
                raise StageChangedError(
                    f'stage "{ctx.key}" finished earlier ({marker_path}) '
                    f'with other settings or inputs; changed: {listed}. '
                    'Its outputs are not reused silently: delete its work '
                    f'dir {ctx.work_dir} (and those of the stages after it) '
                    'to run it again with the new settings, or restore the '
                    'old ones.')
            digest = marker['digest']  # what later stages' inputs hold
            outputs, status = self._local(marker['outputs']), 'skipped'
            moved_from = marker.get('pipeline_work_dir')
            if moved_from and moved_from != self.work_dir:
                self.logger.info(f'stage {ctx.key}: the work dir was moved '
                                 f'from {moved_from}; updating its files')
                on_main_process(self._relocate, stage, ctx, marker,
                                marker_path)
                barrier()
            self.logger.info(f'stage {ctx.key} ({node.type}): finished '
                             f'earlier, skipped ({marker_path})')
        else:
            # the files of earlier stages this one reads (a skipped stage
            # reads none, so finished pipelines rerun after a clean-up)
            for record, output, path in paths:
                if not osp.exists(path):
                    raise StageOutputMissingError(
                        f'stage "{ctx.key}" cannot run: ' +
                        _missing_output(record, output, path))
            resumed = osp.isfile(osp.join(ctx.work_dir, 'last_checkpoint'))
            self.logger.info(f'stage {ctx.key} ({node.type}): running in '
                             f'{ctx.work_dir}')
            with DefaultScope.overwrite_default_scope(stage.default_scope()):
                outputs = stage.run(ctx)
            missing = [k for k in node.cls.outputs if k not in outputs]
            if missing:
                raise RuntimeError(
                    f'stage {ctx.key} ({node.type}) returned no {missing} '
                    f'(it declares the outputs {node.cls.outputs})')
            outputs = _json(outputs)
            status = 'resumed' if resumed else 'ran'
            marker = dict(
                stage=node.name,
                key=ctx.key,
                type=node.type,
                pipeline_work_dir=self.work_dir,
                digest=digest,
                outputs=self._portable(outputs),
                state=portable,
                finished=time.strftime('%Y-%m-%d %H:%M:%S'))
            on_main_process(write_json, marker_path, marker)
            self.logger.info(f'stage {ctx.key} ({node.type}): done')
        self._records.setdefault(node.name, []).append(
            dict(
                key=ctx.key,
                outputs=outputs,
                digest=digest,
                work_dir=ctx.work_dir))
        self.summary.append(
            dict(key=ctx.key, type=node.type, status=status, outputs=outputs))


def stage_config_of(pipeline_cfg: Config, checkpoint: str) -> str:
    """The config a train stage of a pipeline trained ``checkpoint`` with,
    for tools that need a model config (``tools/test.py``): the
    ``stage_config.py`` next to the checkpoint in the stage's work dir.

    Raises :class:`PipelineConfigError` when there is none, listing the
    trained stages' configs recorded in the pipeline's work dir (its
    ``work_dir``, else ``work_dirs/<config name>``) if it has run.
    """
    from .stages.train_stage import STAGE_CONFIG
    path = osp.join(osp.dirname(osp.abspath(checkpoint)), STAGE_CONFIG)
    if osp.isfile(path):
        return path
    name = pipeline_cfg.filename or 'PIPELINE'
    summary = osp.join(pipeline_work_dir(pipeline_cfg), SUMMARY)
    trained = [
        entry['outputs']['config']
        for entry in (read_json(summary) if osp.isfile(summary) else [])
        if {'config', 'checkpoint'} <= set(entry.get('outputs') or {})
    ]
    stages = [
        s.get('name') for s in pipeline_cfg.stages if isinstance(s, dict)
    ]
    found = ('The configs its train stages trained: ' + ', '.join(trained)
             if trained else f'{summary} (the record of its stages\' outputs '
             'in its work dir) does not exist: has it run, or is its work '
             'dir elsewhere (set work_dir)?')
    raise PipelineConfigError(
        f'{name} is a pipeline config (stages {stages}), not the config of '
        f'one model; the checkpoint {checkpoint} has no {STAGE_CONFIG} next '
        'to it (the config its train stage trained, in the stage\'s work '
        'dir). Pass that stage\'s config instead. ' + found + '.')


def model_config_path(config: str,
                      checkpoint: str,
                      cfg_options: Optional[dict] = None) -> str:
    """The config file a tool that needs one model's config (test,
    translate, pseudo-label) should read for ``checkpoint``: ``config``
    itself, or, for a pipeline config, the ``stage_config.py`` of the stage
    that trained the checkpoint (:func:`stage_config_of`; ``cfg_options``
    may set the pipeline's ``work_dir`` for its error message)."""
    from udaplug.apis import load_config
    cfg = load_config(config, cfg_options)
    if not is_pipeline_config(cfg):
        return config
    path = stage_config_of(cfg, checkpoint)
    print_log(
        f'{config} is a pipeline config: using the config the checkpoint '
        f'was trained with, {path}',
        logger='current')
    return path


def run_pipeline(cfg: Config,
                 amp: bool = False,
                 launcher: Optional[str] = None) -> List[dict]:
    """Run a pipeline config (see :class:`PipelineRunner`)."""
    return PipelineRunner(cfg, amp=amp, launcher=launcher).run()
