-- One row per customer per as-of date: posterior probability of every segment under the latest
-- registered model, the top segment and the runner-up. Plain SQL generated from the registry.
-- depends_on: {{ ref('segment_model_registry') }}

{{ score_segments(ref('feat_customer_features'), segment_model_spec()) }}
