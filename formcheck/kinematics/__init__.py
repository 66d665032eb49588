"""Kinematics: angles, camera view and direction computed from a PoseTrack."""
