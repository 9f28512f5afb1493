-- Every segment of the scored history is a segment of the model that scored it (the latest
-- registered model, segment_model_spec()). A segment can be empty at the build's as-of date and
-- still hold customers at earlier month-ends: it then has no profile and no name, so the check is
-- against the model, not against segment_profiles.
{%- set spec = segment_model_spec() %}
{%- set segment_ids = spec['components'] | map(attribute='segment_id') | list %}

select
    model_version,
    segment_id,
    count(*) as n_rows
from {{ ref('candidate_segment_history') }}
where
    model_version != '{{ spec["model_version"] }}'
    or segment_id not in ({{ segment_ids | join(', ') }})
group by model_version, segment_id
