"""Events: gait contacts and toe-offs, and exercise repetitions, found in a clean track."""
