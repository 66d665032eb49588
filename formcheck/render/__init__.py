"""Render: pictures of an analysis (annotated frames). Leaf stage: nothing imports it but the shells."""

from formcheck.render.skeleton import SkeletonAnnotator

__all__ = ["SkeletonAnnotator"]
