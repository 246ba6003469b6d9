"""Benchmarks of the emulator (`make bench`). Each prints figures and ratios against a baseline
measured in the same run, because these machines are noisy; none of them is a timed test."""
