# Table 5 of Hoyer et al. (CVPR 2022), last SegFormer row: every training
# strategy of DAFormer on the SegFormer network (official experiments.py id
# 5, 'dacs_a999_fdthings', rcs_T=0.01, plcrop=True): daformer_gta.py with
# SegFormer's decoder instead of DAFormer's.
_base_ = ['../daformer_gta.py']
model = dict(
    segmentor=dict(
        decode_head=dict(
            embed_dims=768, channels=768, fusion='conv',
            fusion_kernel_size=1)))
