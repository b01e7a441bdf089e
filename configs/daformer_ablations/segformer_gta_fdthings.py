# Table 5 of Hoyer et al. (CVPR 2022): segformer_gta_dacs.py + the
# thing-class ImageNet feature distance (official experiments.py id 5, uda
# 'dacs_fdthings': lambda 0.005, classes 6, 7, 11-18, scale_min_ratio 0.75).
_base_ = ['./segformer_gta_fd.py']
model = dict(
    feature_distance=dict(
        classes=[6, 7, 11, 12, 13, 14, 15, 16, 17, 18], min_ratio=0.75))
