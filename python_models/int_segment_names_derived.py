"""dbt Python model: a short, unique, human name and a description for every segment."""

from customer_segments.dbt_runtime import as_pandas, table_exists
from customer_segments.steps import name_segments_for_build


def model(dbt, session):
    """One row per segment; ids keep their name while its words hold, overrides win."""
    dbt.config(materialized="table")
    sample = as_pandas(dbt.ref("int_scored_fit_sample"))
    overrides = as_pandas(dbt.ref("segment_name_overrides"))
    vocabulary = as_pandas(dbt.ref("segment_name_vocabulary"))
    previous = None
    if table_exists(session, dbt.this.schema, dbt.this.identifier):
        previous = as_pandas(session.sql(f"select * from {dbt.this}"))
    return name_segments_for_build(sample, previous, overrides, vocabulary)
