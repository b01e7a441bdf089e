# The first stage of the GIO-Ada demo (gioada_demo.py and its
# control gioada_non_adapt_demo.py): the demo's task network,
# He-initialised, trained on the SYNTHIA-style source alone for 10 epochs
# (Sec. 3.5's schedule) of the demo's 200 source images. It stands in for
# the ImageNet-pretrained task network the paper starts from (Sec. 3.5),
# which the offline demo does not have.
_base_ = ['./gioada_task_demo.py']
max_iters = 10 * _base_.source_size  # 2,000 iterations
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
custom_hooks = []
