"""Render: what the user sees (annotated frames and video, key frames, SVG plots, HTML report).

Leaf stage: nothing imports it but the shells and `formcheck.export`. Everything
reads one neutral `model.ReportModel`, which a per-mode adapter fills
(`running_adapter.running_report_model`, `exercise_adapter.exercise_report_model`).
"""

from formcheck.render.annotators import AngleArcAnnotator, GaitEventAnnotator
from formcheck.render.model import ReportModel
from formcheck.render.panels import (
    ActivityAnnotator,
    CueBannerAnnotator,
    MetricPanelAnnotator,
    RepCounterAnnotator,
    compose,
)
from formcheck.render.skeleton import SkeletonAnnotator

__all__ = [
    "ActivityAnnotator",
    "AngleArcAnnotator",
    "CueBannerAnnotator",
    "GaitEventAnnotator",
    "MetricPanelAnnotator",
    "RepCounterAnnotator",
    "ReportModel",
    "SkeletonAnnotator",
    "compose",
]
