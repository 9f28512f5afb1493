-- One row per sampled customer and validation date (int_outcome_dates): the customer's features
-- then and what they did in the next 90 days. At most validation_sample_size rows, chosen by a
-- seeded hash; the fit compares its candidate segmentations on them.

{{ outcome_sample('validation', var('validation_sample_size')) }}
