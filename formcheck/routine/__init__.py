"""A warm-up routine in one clip: the timeline's exercise segments analysed set by set (analysis),
and the routine as JSON (report). A stage after `activity` (which finds the segments) and before
`render`."""
