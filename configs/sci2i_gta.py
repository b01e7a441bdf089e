# Brehm et al., "Semantically Consistent Image-to-Image Translation for
# Unsupervised Domain Adaptation" (ICAART 2022), GTA5 -> Cityscapes, VGG-16
# DeepLab-v2: the three phases of Sec. 3 as one pipeline (docs/pipelines.md,
# docs/sci2i.md). Table 4, "L_FS,seg + SSL + I2I": 50.1 mIoU19.
#
#   python tools/train.py configs/sci2i_gta.py
#   tools/dist_train.sh configs/sci2i_gta.py 8
#
# 1. warmup (phase a): the mean teacher M0 on GTA5 + Cityscapes;
# 2. pseudo_labels: M0's teacher labels the Cityscapes training images;
# 3. translation (phase b): G and the AC-head discriminator, with those
#    pseudo-labels (pre-computed: lambda_pl = lambda_cgan = 0.3);
# 4. translate: the EMA generator translates the GTA5 set;
# 5. final (phase c): a new mean teacher M1 on GTA5 and its translation.
# Work dirs: work_dirs/sci2i_gta/<stage>; finished stages are skipped on a
# rerun, an interrupted train stage resumes.
#
# The stage settings are variables (names starting with "_") so that the
# ablation pipelines (configs/sci2i_ablations/) reuse them; stage config
# paths are absolute ({{ fileDirname }}) for the same reason.
_warmup = dict(
    type='TrainStage',
    name='warmup',
    config='{{ fileDirname }}/sci2i_stages/sci2i_gta_warmup.py')
_pseudo_labels = dict(
    type='PseudoLabelStage',
    name='pseudo_labels',
    config='@warmup.config',
    checkpoint='@warmup.checkpoint',
    # M0's teacher (predict_on='teacher'), arg-max at every pixel: no
    # confidence threshold is stated; the AC head learns from them with the
    # noise-robust symmetric cross-entropy (Sec. 3.2).
    threshold='none')
_translation = dict(
    type='TrainStage',
    name='translation',
    config='{{ fileDirname }}/sci2i_stages/sci2i_gta_translation.py',
    cfg_options={
        # M0's teacher as the frozen segmentor of the I2I model
        'model.segmentor.init_cfg':
        dict(
            type='Pretrained',
            checkpoint='@warmup.checkpoint',
            prefix='teacher.module.'),
        # Cityscapes training images with M0's pseudo-labels
        'train_dataloader.dataset.target':
        '@pseudo_labels.dataset',
    })
_translate = dict(
    type='TranslateStage',
    name='translate',
    config='@translation.config',
    checkpoint='@translation.checkpoint')
_final = dict(
    type='TrainStage',
    name='final',
    config='{{ fileDirname }}/sci2i_stages/sci2i_gta_final.py',
    cfg_options={'train_dataloader.dataset.translated': '@translate.dataset'})
stages = [_warmup, _pseudo_labels, _translation, _translate, _final]
