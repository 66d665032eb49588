"""Cues: rules over metric summaries and strides -> observations for the runner.

`rules.RULES` is the one configuration (metric, condition, message, evidence,
views, what to film instead); `engine.evaluate_cues` applies it to a clip.
"""
