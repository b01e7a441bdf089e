"""MiT weights: mmseg-layout files load, original-layout files are detected
and the conversion command (mmseg's own converter) printed; the converter
turns them into loadable weights."""
import importlib.util
import os.path as osp

import pytest
import torch

from udaplug.models.backbones.mix_vision_transformer import (
    MiTCheckpointLayoutError, mit2mmseg_script)
from udaplug.registry import MODELS

TINY = dict(
    type='MixVisionTransformer',
    embed_dims=8,
    num_layers=[1, 1, 1, 1],
    num_heads=[1, 2, 2, 2],
    sr_ratios=[8, 4, 2, 1])


def build(**kw):
    return MODELS.build(dict(TINY, **kw))


def original_layout(model):
    """The mmseg weights written back in the original SegFormer layout (the
    inverse of mit2mmseg)."""
    out = {}
    for k, v in model.state_dict().items():
        stage, part = int(k.split('.')[1]), k.split('.')[2]
        rest = '.'.join(k.split('.')[3:])
        if part == '0':  # patch embedding
            out[f'patch_embed{stage + 1}.' +
                rest.replace('projection.', 'proj.')] = v
        elif part == '2':
            out[f'norm{stage + 1}.{rest}'] = v
        else:
            name = f'block{stage + 1}.' + rest
            if '.attn.attn.in_proj_' in name:
                q, kv = v[:v.shape[0] // 3], v[v.shape[0] // 3:]
                kind = name.split('in_proj_')[1]
                base = name.split('.attn.attn.')[0]
                out[f'{base}.attn.q.{kind}'] = q
                out[f'{base}.attn.kv.{kind}'] = kv
            elif '.attn.attn.out_proj.' in name:
                out[name.replace('.attn.attn.out_proj.', '.attn.proj.')] = v
            elif '.ffn.layers.' in name:
                name = name.replace('.ffn.layers.0.', '.mlp.fc1.')
                name = name.replace('.ffn.layers.1.', '.mlp.dwconv.dwconv.')
                name = name.replace('.ffn.layers.4.', '.mlp.fc2.')
                if ('fc1.weight' in name or 'fc2.weight' in name):
                    v = v[:, :, 0, 0]
                out[name] = v
            else:
                out[name] = v
    out['head.weight'] = torch.zeros(10, 64)
    return out


def test_mmseg_layout_loads(tmp_path):
    src = build()
    path = str(tmp_path / 'mit_mmseg.pth')
    torch.save({'state_dict': src.state_dict()}, path)
    dst = build(init_cfg=dict(type='Pretrained', checkpoint=path))
    dst.init_weights()
    for k, v in src.state_dict().items():
        assert torch.equal(v, dst.state_dict()[k]), k


def test_original_layout_is_detected_with_the_command(tmp_path):
    path = str(tmp_path / 'mit_b5.pth')
    torch.save(original_layout(build()), path)
    model = build(init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(MiTCheckpointLayoutError) as err:
        model.init_weights()
    message = str(err.value)
    assert 'mit2mmseg.py' in message
    assert f'{path} {tmp_path}/mit_b5_mmseg.pth' in message


def test_mmseg_converter_output_loads_the_same_weights(tmp_path):
    src = build()
    path = str(tmp_path / 'mit_b5.pth')
    torch.save(original_layout(src), path)
    script = mit2mmseg_script()
    assert osp.isfile(script), script
    spec = importlib.util.spec_from_file_location('mit2mmseg', script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    converted = str(tmp_path / 'mit_b5_mmseg.pth')
    torch.save(module.convert_mit(torch.load(path)), converted)
    dst = build(init_cfg=dict(type='Pretrained', checkpoint=converted))
    dst.init_weights()
    for k, v in src.state_dict().items():
        assert torch.equal(v, dst.state_dict()[k]), k


def test_missing_file_and_wrong_size(tmp_path):
    with pytest.raises(FileNotFoundError, match='mit2mmseg'):
        build(
            init_cfg=dict(
                type='Pretrained', checkpoint=str(tmp_path /
                                                  'no.pth'))).init_weights()
    path = str(tmp_path / 'other.pth')
    torch.save(build(num_layers=[2, 1, 1, 1]).state_dict(), path)
    with pytest.raises(MiTCheckpointLayoutError, match='unexpected keys'):
        build(init_cfg=dict(type='Pretrained', checkpoint=path)).init_weights()
