-- A token made at the command line records the operator (user@host) who made it: they saw
-- its secret, so the audit trail names them on every action taken through it.
ALTER TABLE api_tokens ADD COLUMN created_by_cli TEXT;
