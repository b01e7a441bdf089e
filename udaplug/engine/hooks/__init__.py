from .seg_prediction_dump_hook import SegPredictionDumpHook

__all__ = ['SegPredictionDumpHook']
