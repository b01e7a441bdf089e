"""tools/analysis/benchmark_train.py on a pipeline config: it times one of
its train stages (the last by default), without the references to
earlier stages' outputs, at the iteration asked for."""
import pytest
import torch

PIPELINE = 'configs/demo/cyclefeat_demo.py'
ARGS = ['--shape', '32', '64', '--iters', '1', '--warmup', '0']


def segmentor_after_one_step(benchmark, *extra):
    torch.manual_seed(0)
    model = benchmark.main([PIPELINE, *ARGS, *extra])
    return {k: v.clone() for k, v in model.segmentor.state_dict().items()}


def test_benchmark_times_the_last_train_stage(capsys, load_tool):
    benchmark = load_tool('analysis/benchmark_train.py')
    frozen = segmentor_after_one_step(benchmark)
    printed = capsys.readouterr().out
    assert 'stage "adapt"' in printed
    # the pretrain stage's checkpoint: a reference
    assert 'not applied' in printed and '@pretrain.checkpoint' in printed
    assert 'time per iteration' in printed and 'at iteration 0' in printed
    # past the frozen period the segmentor trains: its weights move
    trained = segmentor_after_one_step(benchmark, '--at-iter', '10000')
    assert any(not torch.equal(frozen[k], trained[k]) for k in frozen)


def test_benchmark_stage_by_name(capsys, load_tool):
    benchmark = load_tool('analysis/benchmark_train.py')
    # BatchNorm on batch statistics there: two images
    model = benchmark.main(
        [PIPELINE, *ARGS, '--stage', 'pretrain', '--batch-size', '2'])
    assert type(model).__name__ == 'SourceOnly'
    assert 'stage "pretrain"' in capsys.readouterr().out
    with pytest.raises(ValueError, match=r"\['pretrain', 'adapt'\]"):
        benchmark.main([PIPELINE, *ARGS, '--stage', 'nope'])
