# GIO-Ada ablation, Virtual KITTI -> KITTI: input-level adaptation only
# (Table 1 "input-level adapt" = Table 2 "+sd": 45.9 mIoU). G_img gets the
# image, one-hot semantics and depth; no output discriminator.
_base_ = ['../gioada_vkitti2kitti.py']
model = dict(
    output_level=False,
    output_alignment=None,
    discriminators=dict(_delete_=True, disc_img=_base_.image_discriminator))
