-- A snapshot's state vector is stored beside it by the fold that writes it, so that loading a verified
-- snapshot has the server's sync step 1 at once instead of reading every struct of the state for it (a
-- tenth of a second of CPU for 10 MB; docs/architecture.md, "Persistence and the commit"). Snapshots
-- written before this keep NULL until their next fold, and their loads read the vector as before.
ALTER TABLE "doc_snapshots" ADD COLUMN "state_vector" "bytea";
