"""Intake: reading the files analysts hold (summary forms and household lists as Excel, CSV or
Parquet), parsing their cells, validating them with every problem named by file, row and column,
and the blank Excel form.

Modules, from the bottom up (each imports only those above it in this list):
`headers` (header tables of data/schema, header matching, the header row), `problems`
(`Problem`, `IntakeError`, message parts), `cells` (cleaning and parsing cells), `formats`
(CSV, Excel and Parquet files as rows of cells), `readers` (the table in a file: `read_table`,
header mapping), `systems` (unit systems: which units a row's codes and names are, former
communes to the review of 2024 or new communes of 1 July 2025 from 2025), `rules` and
`validate` (the validation rules and pandera schemas), `allocate` (`to_former_districts`: rows
by new commune as former-district rows), `summary` (`read_summary`), `households`
(`read_households`, `parse_household_rows`), `household_chunks` (household lists read chunk by
chunk: pyarrow's streaming CSV reader, Parquet batches), `household_stream` (`scan_households`:
every household list, any size, validated chunk by chunk with capped problems; the one
exception to the order: `read_households` calls it, inside the function), `load`
(`read_any`, the validate command); `template` (the blank Excel
form) needs only `headers`.

May import: `analysis.core`, `analysis.reference`.
"""
