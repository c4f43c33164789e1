"""Landing NEMWeb files in the warehouse: one ingest pass (`run`), the declarative sources (one
module per NEMWeb report folder), MMSDM backfill, and their commands (`ingest`, `compact`,
`status`, `backfill`)."""
