//! The command-line interface, as clap declares it. This is a contract scripts rely on:
//! keep the names.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, Resettable, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
// The value enums (sort field, conflict policy, formats…) are the library's own, which
// derive `clap::ValueEnum` under the `cli` feature: one list of accepted values.
use vaultstore::transfer::{ForeignFormat, OnConflict, PlainFormat};
use vaultstore::{DeletedFilter, ExpiryFilter, SortField, SortOrder};

/// `vaultstore --version`: the crate's version and the git commit it was built from
/// (`build.rs`), so a bug report names the exact build.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("VAULTSTORE_GIT_COMMIT"),
    ")"
);

/// Command-line companion of VaultStore Desktop: secret values encrypted under tokens.
///
/// Secrets never go on the command line: passwords come from an environment variable,
/// a file or a prompt; values from an environment variable, a file or standard input.
#[derive(Debug, Parser)]
#[command(name = "vaultstore", version = VERSION)]
pub struct Cli {
    /// Print only what was asked for (values, tokens, counts asked with `count`, lists);
    /// leave out confirmations ("renewed 3 records") and progress. Errors and warnings
    /// are always printed.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Database URL: sqlite://PATH, postgres://…, mysql://… [default: the desktop app's
    /// SQLite vault in the platform data folder]
    #[arg(
        long,
        global = true,
        env = "VAULTSTORE_DB",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub db: Option<String>,

    /// Vault table name [default: vault]. For import-go: the Go library's table to read.
    #[arg(long, global = true, value_name = "NAME")]
    pub table: Option<String>,

    /// Who the vault's audit log names for what this command does [default: USER@HOST]
    #[arg(long, global = true, env = "VAULTSTORE_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

// The subcommands come in groups, one enum each, flattened: the command line stays one
// flat list (`vaultstore create`, `vaultstore list`…) while each group's handler in
// `commands/` matches only its own commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Token(TokenCommand),
    #[command(flatten)]
    Records(RecordsCommand),
    #[command(flatten)]
    Vault(VaultCommand),
    #[command(flatten)]
    Transfer(TransferCommand),
    #[command(flatten)]
    Bulk(BulkCommand),
    #[command(flatten)]
    Past(PastCommand),
    #[command(flatten)]
    Shell(ShellCommand),
}

/// What the vault keeps of its past: versions and the audit log.
#[derive(Debug, Subcommand)]
pub enum PastCommand {
    /// List every version of a token, oldest first (number, when, what changed; never
    /// the values). Version 1 is the first value; the current one is the highest.
    History {
        token: String,
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Make version N of a token its current value again (itself a new version). The
    /// password asked is the one that opens version N; the value stays sealed under it.
    RestoreVersion {
        token: String,
        #[arg(value_name = "N")]
        version: i64,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Show how much history the vault keeps; with --versions or --days, set it and drop
    /// what falls outside at once; --keep-all keeps everything from now on.
    HistoryRetention {
        /// Keep at most N earlier versions of each token.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        versions: Option<u32>,
        /// Keep versions replaced within the last N days.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        days: Option<u32>,
        /// Keep every version (the default).
        #[arg(long, conflicts_with_all = ["versions", "days"])]
        keep_all: bool,
    },
    /// Put records back as they were at TIME (values, expiry, trash state, metadata), from
    /// history, in one transaction. Records created since go to the trash; records
    /// deleted forever since come back. Every change is itself a new version.
    RestoreTo {
        /// RFC 3339, e.g. 2026-11-20T10:00:00Z.
        #[arg(value_name = "TIME")]
        at: String,
        /// Only tokens starting with PREFIX.
        #[arg(long, value_name = "PREFIX")]
        filter: Option<String>,
        /// List what would change; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print {"restored":[…],"recreated":[…],"trashed":[…]}.
        #[arg(long)]
        json: bool,
    },
    /// The audit log: who did what to which record, and whether anyone altered it.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
}

/// `audit verify` and `audit list`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the log's hash chain: exit 0 when intact, else 9 naming the first broken
    /// entry.
    Verify,
    /// List entries, oldest first (the most recent --limit of those matching).
    List {
        /// Only entries about this token.
        #[arg(long)]
        token: Option<String>,
        /// Only entries at or after this time (RFC 3339, e.g. 2026-11-20T10:00:00Z).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// At most N entries.
        #[arg(long, value_name = "N", default_value_t = 1000)]
        limit: u32,
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
}

/// The command line describing itself, for packages and shells; they open no vault.
#[derive(Debug, Subcommand)]
pub enum ShellCommand {
    /// Print the completion script for SHELL (bash, zsh, fish) to standard output.
    ///
    /// bash: `vaultstore completions bash > ~/.local/share/bash-completion/completions/vaultstore`
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the manual page (roff) to standard output: `vaultstore man | man -l -`.
    Man,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

/// Commands on one token or a few.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Store a value under a new token and print the token.
    Create(CreateArgs),
    /// Print a token's value followed by a newline.
    Read {
        token: String,
        /// Print {"token":…,"value":…}.
        #[arg(long)]
        json: bool,
        /// Open version N (see `history`) with the password it was sealed under.
        #[arg(long, value_name = "N")]
        version: Option<i64>,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Print the values of several tokens sealed under one password.
    ReadMany {
        #[arg(required = true)]
        tokens: Vec<String>,
        /// Print an object token → value (else one `TOKEN<TAB>VALUE` line each).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Replace a token's value (needs its current password).
    Update {
        token: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        value: ValueArgs,
    },
    /// Re-encrypt one token's value under a new password.
    Rekey {
        token: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        new_password: NewPasswordArgs,
    },
    /// Delete a token for good; with --query, every matching record (needs --yes).
    Delete {
        #[arg(required_unless_present = "query", conflicts_with = "query")]
        token: Option<String>,
        #[command(flatten)]
        bulk: BulkArgs,
        /// Confirms deleting every record --query matches for good.
        #[arg(long, requires = "query")]
        yes: bool,
    },
    /// Move a token to the trash; with --query, every matching live record.
    SoftDelete {
        #[arg(required_unless_present = "query", conflicts_with = "query")]
        token: Option<String>,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Take a token out of the trash; with --query, every matching trashed record (the
    /// query must select the trash: `is:trash`).
    Restore {
        #[arg(required_unless_present = "query", conflicts_with = "query")]
        token: Option<String>,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Set a token's expiry; with --query, of every matching record.
    Renew {
        #[arg(required_unless_present = "query", conflicts_with = "query")]
        token: Option<String>,
        #[command(flatten)]
        expiry: RenewArgs,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Print `true` if a live token exists (expired or not), else `false`.
    Exists { token: String },
}

/// Listing and counting records (never values).
#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// List records (never values).
    List(ListArgs),
    /// Print how many records match.
    Count {
        #[command(flatten)]
        filters: FilterArgs,
    },
}

/// Commands over the whole vault.
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Re-encrypt every record sealed under one password with a new one; prints how many.
    ChangePassword {
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        new_password: NewPasswordArgs,
    },
    /// Remove expired records (with --soft, move them to the trash); prints how many.
    PurgeExpired {
        /// Move to the trash instead of deleting.
        #[arg(long)]
        soft: bool,
    },
    /// Re-seal every Go v2 value one of the given passwords opens as v3 (under the same
    /// password); prints how many, and the tokens left. When none is left the vault
    /// refuses v2 values from then on: a v2 value moved or written into it fails to open.
    UpgradeV2 {
        /// A variable holding a password to try; repeatable (else a prompt asks for one).
        #[arg(long = "password-env", value_name = "VAR")]
        password_envs: Vec<String>,
        /// A file holding a password to try; repeatable.
        #[arg(long = "password-file", value_name = "PATH")]
        password_files: Vec<PathBuf>,
    },
}

/// Bulk changes beyond the `--query` forms of delete, soft-delete, restore and renew.
#[derive(Debug, Subcommand)]
pub enum BulkCommand {
    /// Add or remove a tag on every record a query matches; prints how many changed.
    Tag {
        #[command(subcommand)]
        action: TagCommand,
    },
    /// Revert the last bulk change (one step); prints how many records it restored and
    /// names those left alone because they changed since.
    Undo,
}

/// `tag add` and `tag remove`.
#[derive(Debug, Subcommand)]
pub enum TagCommand {
    /// Add TAG to every matching record that lacks it.
    Add(TagArgs),
    /// Remove TAG from every matching record that has it.
    Remove(TagArgs),
}

/// Moving records in and out of the vault.
#[derive(Debug, Subcommand)]
pub enum TransferCommand {
    /// Write the records matching the filters to FILE as an encrypted bundle (values stay
    /// sealed); with --plaintext, as CSV or JSON with decrypted values. Prints the count.
    Export(ExportArgs),
    /// Import a bundle written by `export` (or, with --from, another manager's export).
    /// Validates the whole file first; writes in one transaction. Prints the counts.
    Import(ImportArgs),
    /// Import the table of the Go VaultStore library. Its v2 values open with their
    /// original passwords. Prints the counts.
    ImportGo(ImportGoArgs),
}

// The argument structs below carry no doc comment of their own: a subcommand's help text
// is its variant's doc comment above.

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Use this token instead of a random one.
    #[arg(long)]
    pub token: Option<String>,
    /// Length of a random token (15..=40).
    #[arg(long, value_name = "N")]
    pub length: Option<usize>,
    #[command(flatten)]
    pub expiry: ExpiryArgs,
    /// A label for the record (plaintext, searchable).
    #[arg(long)]
    pub label: Option<String>,
    /// A tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Notes (plaintext).
    #[arg(long)]
    pub notes: Option<String>,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub value: ValueArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Sort field.
    #[arg(
        long,
        value_enum,
        value_parser = names::<SortField>(),
        default_value_t = SortField::CreatedAt
    )]
    pub sort: SortField,
    /// Sort order.
    #[arg(
        long,
        value_enum,
        value_parser = names::<SortOrder>(),
        ignore_case = true,
        default_value_t = SortOrder::Desc
    )]
    pub order: SortOrder,
    /// Page size (1..=1000).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub limit: u32,
    /// Continue after this cursor (printed as `next` by the previous page).
    #[arg(long, value_name = "CURSOR")]
    pub after: Option<String>,
    /// Print JSON: {"records":[…],"next":CURSOR|null}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub file: PathBuf,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Decrypt the values (needs --i-understand-plaintext and passwords).
    #[arg(long)]
    pub plaintext: bool,
    /// Plaintext file format.
    #[arg(
        long,
        value_enum,
        value_parser = names::<PlainFormat>(),
        default_value_t = PlainFormat::Csv,
        requires = "plaintext"
    )]
    pub format: PlainFormat,
    /// Confirms that FILE will hold secrets in the clear.
    #[arg(long, requires = "plaintext")]
    pub i_understand_plaintext: bool,
    /// (with --plaintext) A variable holding a password to try; repeatable.
    #[arg(long = "password-env", value_name = "VAR", requires = "plaintext")]
    pub password_envs: Vec<String>,
    /// (with --plaintext) A file holding a password to try; repeatable.
    #[arg(long = "password-file", value_name = "PATH", requires = "plaintext")]
    pub password_files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    #[command(flatten)]
    pub policy: ImportPolicyArgs,
    /// Read another manager's export instead of a bundle (entries are sealed under the
    /// password given with --password-env/--password-file/prompt).
    #[arg(long, value_enum, value_parser = names::<ForeignFormat>())]
    pub from: Option<ForeignFormat>,
    /// Only report what would happen.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
    /// Accept Go v2 values from the bundle although this vault retired v2; the vault then
    /// accepts v2 again until `upgrade-v2` leaves none. Refused by default: a v2 value is
    /// not bound to its token.
    #[arg(long)]
    pub accept_v2: bool,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// How an import treats what the vault already has (bundle, foreign and Go imports).
#[derive(Debug, Args)]
pub struct ImportPolicyArgs {
    /// What to do with tokens the vault already has.
    #[arg(
        long,
        value_enum,
        value_parser = names::<OnConflict>(),
        default_value_t = OnConflict::Skip
    )]
    pub on_conflict: OnConflict,
    /// Make imported soft-deleted records live.
    #[arg(long)]
    pub restore_deleted: bool,
    /// Accept records whose key derivation costs more than 4 times the vault's own.
    /// Refused by default: every reveal of such a record would stall for a long time, and
    /// a hostile file can carry them on purpose. Use only for a file you trust.
    #[arg(long)]
    pub allow_costly_kdf: bool,
}

#[derive(Debug, Args)]
pub struct ImportGoArgs {
    /// URL of the Go library's database.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The vault table to import into (here --table names the Go library's table).
    #[arg(long, value_name = "NAME", default_value = "vault")]
    pub into_table: String,
    #[command(flatten)]
    pub policy: ImportPolicyArgs,
    /// Only report what would happen.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the counts as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct ExpiryArgs {
    /// Expiry time, RFC 3339 (2026-12-31T23:00:00Z).
    #[arg(long, value_name = "RFC3339")]
    pub expires_at: Option<String>,
    /// Expiry from now: 90s, 15m, 12h, 30d, 2w.
    #[arg(long, value_name = "DUR")]
    pub expires_in: Option<String>,
}

/// The `--query` form of a command that otherwise takes one token.
#[derive(Debug, Args)]
pub struct BulkArgs {
    /// Act on every record this query matches instead of one token ("" = every live
    /// record; `token:PREFIX`, `is:trash`, `is:expired`, `is:active`). Prints how many
    /// records changed; `vaultstore undo` reverts it.
    #[arg(long, value_name = "Q")]
    pub query: Option<String>,
    /// (with --query) Print how many records would change and the first few tokens;
    /// change nothing.
    #[arg(long, requires = "query")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    pub tag: String,
    /// The records to change ("" = every live record).
    #[arg(long, value_name = "Q")]
    pub query: String,
    /// Print how many records would change and the first few tokens; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct RenewArgs {
    /// New expiry time, RFC 3339.
    #[arg(long, value_name = "RFC3339")]
    pub expires_at: Option<String>,
    /// New expiry from now: 90s, 15m, 12h, 30d, 2w.
    #[arg(long, value_name = "DUR")]
    pub expires_in: Option<String>,
    /// Never expire.
    #[arg(long)]
    pub never: bool,
    /// (with --query) Extend each expiry by DUR, counted from now once expired; records
    /// that never expire stay so.
    #[arg(long, value_name = "DUR", requires = "query")]
    pub extend: Option<String>,
}

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct PasswordArgs {
    /// Read the password from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Read the password from this file (one trailing newline is dropped).
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct NewPasswordArgs {
    /// Read the new password from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub new_password_env: Option<String>,
    /// Read the new password from this file (one trailing newline is dropped).
    #[arg(long, value_name = "PATH")]
    pub new_password_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct ValueArgs {
    /// Read the value from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub value_env: Option<String>,
    /// Read the value from this file, byte for byte.
    #[arg(long, value_name = "PATH")]
    pub value_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// A query in the search language, e.g. 'tag:prod is:active github' (see the README).
    /// It says everything the other filter flags say, so it replaces them.
    #[arg(
        long,
        value_name = "Q",
        conflicts_with_all = ["token_prefix", "search", "status", "expiring_within", "deleted"]
    )]
    pub query: Option<String>,
    /// Only tokens starting with P (case-sensitive).
    #[arg(long, value_name = "P")]
    pub token_prefix: Option<String>,
    /// TEXT anywhere in the token or the label (ignoring case).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only records in this expiry state.
    #[arg(
        long,
        value_enum,
        value_parser = names::<ExpiryFilter>(),
        conflicts_with = "expiring_within"
    )]
    pub status: Option<ExpiryFilter>,
    /// Only records expiring within DUR from now (not yet expired).
    #[arg(long, value_name = "DUR")]
    pub expiring_within: Option<String>,
    /// Soft-deleted records: exclude, include or only.
    #[arg(
        long,
        value_enum,
        value_parser = names::<DeletedFilter>(),
        default_value_t = DeletedFilter::Exclude
    )]
    pub deleted: DeletedFilter,
}

/// A parser for a library value enum that accepts the names it gives clap but shows no
/// description: the variants' doc comments are written for the library, and clap would
/// list them under each flag and switch `--help` to its long layout.
fn names<E: ValueEnum + Send + Sync + 'static>() -> impl TypedValueParser<Value = E> {
    let values = E::value_variants()
        .iter()
        .filter_map(ValueEnum::to_possible_value)
        .map(|v| v.help(Resettable::Reset));
    // The name was checked above (case-insensitively only where the flag allows it).
    PossibleValuesParser::new(values).try_map(|name| E::from_str(&name, true))
}
