"""Many clips into the coach's library: `formcheck batch` (docs/scale.md).

plan (which clips, whose, with which settings) -> ray_run (one Ray task per clip on warm workers)
-> work (one clip analysed and saved in one transaction, or recorded as failed) -> report
(progress line, closing table and CSV).
"""
