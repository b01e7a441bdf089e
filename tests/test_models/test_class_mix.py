"""ClassMix masks and mixing against hand-built examples."""
import pytest
import torch

from udaplug.registry import MODELS

IGN = 255


def labels():
    # image 0: classes {0, 1, 2} and ignore; image 1: classes {3, 4}
    return torch.tensor([
        [[0, 0, 1, 1], [2, 2, 1, 1], [IGN, 0, 0, 2]],
        [[3, 3, 3, 4], [3, 4, 4, 4], [3, 3, 4, 4]],
    ])


def test_mix_images_labels_and_weights_by_hand():
    mix = MODELS.build(dict(type='ClassMix'))
    mask = torch.tensor([[[[1, 0], [0, 1]]], [[[0, 0], [1, 1]]]]).float()
    src_img = torch.arange(16.).view(2, 2, 2, 2)  # (N=2, C=2, 2, 2)
    tgt_img = -torch.arange(16.).view(2, 2, 2, 2)
    img = mix.mix(mask, src_img, tgt_img)
    expected = torch.tensor([[[[0., -1.], [-2., 3.]], [[4., -5.], [-6., 7.]]],
                             [[[-8., -9.], [10., 11.]],
                              [[-12., -13.], [14., 15.]]]])
    assert torch.equal(img, expected)

    src_lbl = torch.tensor([[[5, 6], [7, 8]], [[1, 2], [3, 4]]])
    pseudo = torch.tensor([[[0, 0], [0, 0]], [[9, 9], [9, 9]]])
    lbl = mix.mix(mask, src_lbl, pseudo)
    assert lbl.dtype == torch.long
    assert torch.equal(lbl, torch.tensor([[[5, 0], [0, 8]], [[9, 9], [3, 4]]]))

    ones = torch.ones(2, 2, 2)
    w_t = torch.full((2, 2, 2), 0.25)
    w = mix.mix(mask, ones, w_t)
    assert torch.equal(
        w, torch.tensor([[[1., .25], [.25, 1.]], [[.25, .25], [1., 1.]]]))


def test_masks_are_the_pixels_of_half_the_image_classes():
    mix = MODELS.build(dict(type='ClassMix', class_pool='image'))
    lbl = labels()
    for seed in range(20):
        gen = torch.Generator().manual_seed(seed)
        chosen = mix.chosen_classes(lbl, torch.Generator().manual_seed(seed))
        masks = mix.masks(lbl, gen)
        assert masks.shape == (2, 1, 3, 4) and masks.dtype == torch.float32
        # image 0 has 4 candidates (0, 1, 2, 255): 2 chosen; image 1 has 2:
        # 1 chosen (ceil(n / 2))
        assert len(chosen[0]) == 2 and len(chosen[1]) == 1
        assert set(chosen[0].tolist()) <= {0, 1, 2, IGN}
        assert set(chosen[1].tolist()) <= {3, 4}
        for i in range(2):
            expected = torch.zeros(3, 4)
            for c in chosen[i].tolist():
                expected[lbl[i] == c] = 1
            assert torch.equal(masks[i, 0], expected)


def test_odd_number_of_classes_rounds_up():
    mix = MODELS.build(dict(type='ClassMix', mix_ignore=False))
    lbl = torch.tensor([[[0, 1, 2], [0, 1, IGN]]])
    for seed in range(10):
        chosen = mix.chosen_classes(lbl, torch.Generator().manual_seed(seed))
        assert len(chosen[0]) == 2  # ceil(3 / 2)
        assert IGN not in chosen[0].tolist()


def test_every_class_is_chosen_with_probability_one_half():
    mix = MODELS.build(dict(type='ClassMix', mix_ignore=False))
    lbl = torch.tensor([[[0, 1, 2, 3]]])
    gen = torch.Generator().manual_seed(0)
    counts = torch.zeros(4)
    n = 2000
    for _ in range(n):
        for c in mix.chosen_classes(lbl, gen)[0].tolist():
            counts[c] += 1
    assert torch.allclose(counts / n, torch.full((4, ), 0.5), atol=0.04)


def test_batch_pool_draws_from_all_classes_of_the_batch():
    mix = MODELS.build(dict(type='ClassMix', class_pool='batch'))
    lbl = labels()
    seen = set()
    for seed in range(30):
        chosen = mix.chosen_classes(lbl, torch.Generator().manual_seed(seed))
        # 6 candidates in the batch (0-4 and 255): 3 per image, the same
        # pool for both images
        assert [len(c) for c in chosen] == [3, 3]
        seen |= set(chosen[1].tolist())
        masks = mix.masks(lbl, torch.Generator().manual_seed(seed))
        expected = torch.isin(lbl[1], chosen[1]).float()
        assert torch.equal(masks[1, 0], expected)
    # image 1 can be given classes it does not hold (its mask is then empty
    # there), as DAFormer's get_class_masks does
    assert seen & {0, 1, 2}


def test_same_generator_state_same_masks_and_bad_input():
    mix = MODELS.build(dict(type='ClassMix'))
    a = mix.masks(labels(), torch.Generator().manual_seed(3))
    b = mix.masks(labels(), torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    assert torch.equal(
        mix.masks(labels().unsqueeze(1),
                  torch.Generator().manual_seed(3)), a)
    with pytest.raises(ValueError, match='class_pool'):
        MODELS.build(dict(type='ClassMix', class_pool='dataset'))
    with pytest.raises(ValueError, match='differ in shape'):
        mix.mix(a, torch.zeros(2, 3, 4), torch.zeros(2, 3, 5))
