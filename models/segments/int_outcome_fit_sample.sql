-- One row per sampled customer and training date (int_outcome_dates): the customer's features then
-- and what they did in the next 90 days. At most fit_sample_size rows, chosen by an md5 of the customer
-- id and date (no seed); the outcome space of the segment model is learnt from them.

{{ outcome_sample('training', var('fit_sample_size')) }}
