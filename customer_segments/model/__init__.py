"""Segment model core: preprocessing, model selection, stable segment ids, the model as data."""
