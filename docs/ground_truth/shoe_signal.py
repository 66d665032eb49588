"""Cross-check of the treadmill clip's cadence without any pose model.

The runner's shoes are neon yellow-green; the share of shoe-coloured pixels in
the landing zone at the front of the belt peaks once per step. Counting peaks
gives the number of steps; it is a check on the count, not on contact timing
(the peak's lag behind contact drifts between 7 and -1 frames over the clip).

    .venv/bin/python docs/ground_truth/shoe_signal.py ../shared/clips/home_treadmill_run_side.mp4
"""

import sys

import cv2
import numpy as np
from scipy.signal import find_peaks

capture = cv2.VideoCapture(sys.argv[1])
share = []
while True:
    ok, frame = capture.read()
    if not ok:
        break
    hsv = cv2.cvtColor(frame[1100:1250, 150:400], cv2.COLOR_BGR2HSV)  # landing zone, 720x1280 frame
    shoe = (hsv[..., 0] >= 25) & (hsv[..., 0] <= 55) & (hsv[..., 1] > 60) & (hsv[..., 2] > 120)
    share.append(shoe.mean())
fps = capture.get(cv2.CAP_PROP_FPS)
peaks, _ = find_peaks(np.array(share), distance=6, prominence=0.02)
frames_per_step = (peaks[-1] - peaks[0]) / (len(peaks) - 1)
print(f"{len(peaks)} peaks; intervals {np.diff(peaks).tolist()}")
print(f"cadence {60 * fps / frames_per_step:.1f} steps/min")
