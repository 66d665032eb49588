"""Running analysis: context, strides, cues and comparisons for running clips."""
