"""Segment explanations: readable rules that reproduce the segments, and segment names."""
