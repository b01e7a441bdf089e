# Table 5 of Hoyer et al. (CVPR 2022): segformer_gta_dacs.py + the ImageNet
# feature distance on all pixels (official experiments.py id 5, uda
# 'dacs_fd': imnet_feature_dist_lambda=0.005, no class restriction).
_base_ = ['./segformer_gta_dacs.py']
model = dict(
    networks=dict(imnet_encoder=dict(_base_.mit_b5, role='frozen')),
    feature_distance=dict(
        _delete_=True,
        type='ImageNetFeatureDistanceLoss',
        loss_weight=0.005,
        classes=None,
        num_classes=_base_.num_classes,
        feature_index=-1),
    feature_distance_network='imnet_encoder')
