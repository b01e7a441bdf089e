# Brehm et al. demo, Table 4 "L_FS,seg + I2I" (configs/sci2i_gta_i2i_only.py
# on the demo pair): the pipeline of configs/demo/sci2i_demo.py whose final
# model learns on source and translated source alone, without the
# consistency term (lambda_con = 0). The stages before it are the demo's
# and its final stage has a name of its own, so run in the demo's work dir
# (--work-dir work_dirs/sci2i_demo) it reuses the demo's stages and trains
# only this model; in a work dir of its own it runs them all.
# Results: docs/sci2i.md, "Results".
_base_ = ['./sci2i_demo.py']
_final = _base_.stages[-1]
stages = [
    *_base_.stages[:-1],
    dict(
        _final,
        name='final_i2i_only',
        cfg_options={
            **_final['cfg_options'], 'model.consistency_weight': 0.0
        })
]
