"""dbt Python model: a short, unique, human name and a description for every segment."""

from customer_segments.dbt_runtime import name_segments_for_build


def model(dbt, session):
    """One row per segment; ids that were named before keep their name, overrides win."""
    dbt.config(materialized="table")
    sample = dbt.ref("int_scored_fit_sample").df()
    overrides = dbt.ref("segment_name_overrides").df()
    previous = None
    if session.sql(
        "select count(*) from information_schema.tables "
        f"where table_schema = '{dbt.this.schema}' and table_name = '{dbt.this.identifier}'"
    ).fetchall()[0][0]:
        previous = session.sql(f"select * from {dbt.this}").df()
    return name_segments_for_build(sample, previous, overrides)
