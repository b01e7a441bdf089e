# Training images of Musto & Zinelli's translation stage (Sec. 4: "we resize
# the input images to 1024x512 and take 512x512 random crops out of them",
# batch size 1), for both domains of a UDA dataset config: no labels (the
# translation uses none), no flips (none stated). The translation stage
# configs put `translation_pipeline` into their training set.
translation_scale = (1024, 512)
crop_size = (512, 512)  # (h, w)
translation_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize',
        scale=translation_scale,
        keep_ratio=False,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSegInputs'),
]
