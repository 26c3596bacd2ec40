-- Least-privilege grants for a team's VaultStore vault on PostgreSQL.
--
-- Run once as the role that owns the vault (the one that created it: `vaultstore`
-- or the app opened with its URL creates and upgrades the schema). Every app and CLI
-- then connects as `vault_app`. Schema upgrades (a newer VaultStore) and history
-- retention (`vaultstore history-retention`) run as the owner.
--
-- vault_app reads and writes the records, their undo journal and settings, adds history
-- (the triggers run with its rights) and appends to the audit log; it can never change
-- or remove history or an audit entry. The names below are for the default table name
-- `vault` in schema `public`.
CREATE ROLE vault_app LOGIN PASSWORD 'change-me';
GRANT USAGE ON SCHEMA public TO vault_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON vault TO vault_app;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON vault_undo TO vault_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON vault_meta TO vault_app;
GRANT SELECT, INSERT ON vault_history TO vault_app;
GRANT SELECT, INSERT ON vault_audit TO vault_app;
