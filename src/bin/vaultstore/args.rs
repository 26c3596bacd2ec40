//! The command-line interface, as clap declares it. This is a contract scripts rely on:
//! keep the names.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Command-line companion of VaultStore Desktop: secret values encrypted under tokens.
///
/// Secrets never go on the command line: passwords come from an environment variable,
/// a file or a prompt; values from an environment variable, a file or standard input.
#[derive(Debug, Parser)]
#[command(name = "vaultstore", version)]
pub struct Cli {
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

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Store a value under a new token and print the token.
    Create {
        /// Use this token instead of a random one.
        #[arg(long)]
        token: Option<String>,
        /// Length of a random token (15..=40).
        #[arg(long, value_name = "N")]
        length: Option<usize>,
        #[command(flatten)]
        expiry: ExpiryArgs,
        /// A label for the record (plaintext, searchable).
        #[arg(long)]
        label: Option<String>,
        /// A tag (repeatable).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Notes (plaintext).
        #[arg(long)]
        notes: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        value: ValueArgs,
    },
    /// Print a token's value followed by a newline.
    Read {
        token: String,
        /// Print {"token":…,"value":…}.
        #[arg(long)]
        json: bool,
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
    /// Delete a token for good.
    Delete { token: String },
    /// Move a token to the trash.
    SoftDelete { token: String },
    /// Take a token out of the trash.
    Restore { token: String },
    /// Set a token's expiry.
    Renew {
        token: String,
        #[command(flatten)]
        expiry: RenewArgs,
    },
    /// Print `true` if a live token exists (expired or not), else `false`.
    Exists { token: String },
    /// List records (never values).
    List {
        #[command(flatten)]
        filters: FilterArgs,
        /// Sort field.
        #[arg(long, value_enum, default_value_t = SortArg::CreatedAt)]
        sort: SortArg,
        /// Sort order.
        #[arg(long, value_enum, ignore_case = true, default_value_t = OrderArg::Desc)]
        order: OrderArg,
        /// Page size (1..=1000).
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: u32,
        /// Continue after this cursor (printed as `next` by the previous page).
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
        /// Print JSON: {"records":[…],"next":CURSOR|null}.
        #[arg(long)]
        json: bool,
    },
    /// Print how many records match.
    Count {
        #[command(flatten)]
        filters: FilterArgs,
    },
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
    /// Write the records matching the filters to FILE as an encrypted bundle (values stay
    /// sealed); with --plaintext, as CSV or JSON with decrypted values. Prints the count.
    Export {
        file: PathBuf,
        #[command(flatten)]
        filters: FilterArgs,
        /// Decrypt the values (needs --i-understand-plaintext and passwords).
        #[arg(long)]
        plaintext: bool,
        /// Plaintext file format.
        #[arg(long, value_enum, default_value_t = PlainFormatArg::Csv, requires = "plaintext")]
        format: PlainFormatArg,
        /// Confirms that FILE will hold secrets in the clear.
        #[arg(long, requires = "plaintext")]
        i_understand_plaintext: bool,
        /// (with --plaintext) A variable holding a password to try; repeatable.
        #[arg(long = "password-env", value_name = "VAR", requires = "plaintext")]
        password_envs: Vec<String>,
        /// (with --plaintext) A file holding a password to try; repeatable.
        #[arg(long = "password-file", value_name = "PATH", requires = "plaintext")]
        password_files: Vec<PathBuf>,
    },
    /// Import a bundle written by `export` (or, with --from, another manager's export).
    /// Validates the whole file first; writes in one transaction. Prints the counts.
    Import {
        file: PathBuf,
        /// What to do with tokens the vault already has.
        #[arg(long, value_enum, default_value_t = ConflictArg::Skip)]
        on_conflict: ConflictArg,
        /// Make imported soft-deleted records live.
        #[arg(long)]
        restore_deleted: bool,
        /// Read another manager's export instead of a bundle (entries are sealed under the
        /// password given with --password-env/--password-file/prompt).
        #[arg(long, value_enum)]
        from: Option<ForeignArg>,
        /// Only report what would happen.
        #[arg(long)]
        dry_run: bool,
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Import the table of the Go VaultStore library. Its v2 values open with their
    /// original passwords. Prints the counts.
    ImportGo {
        /// URL of the Go library's database.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The vault table to import into (here --table names the Go library's table).
        #[arg(long, value_name = "NAME", default_value = "vault")]
        into_table: String,
        /// What to do with tokens the vault already has.
        #[arg(long, value_enum, default_value_t = ConflictArg::Skip)]
        on_conflict: ConflictArg,
        /// Make imported soft-deleted records live.
        #[arg(long)]
        restore_deleted: bool,
        /// Only report what would happen.
        #[arg(long)]
        dry_run: bool,
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlainFormatArg {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ConflictArg {
    Skip,
    Overwrite,
    Fail,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ForeignArg {
    KeepassxcCsv,
    BitwardenJson,
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
    /// Only tokens starting with P (case-sensitive).
    #[arg(long, value_name = "P")]
    pub token_prefix: Option<String>,
    /// TEXT anywhere in the token or the label (ignoring case).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only records in this expiry state.
    #[arg(long, value_enum, conflicts_with = "expiring_within")]
    pub status: Option<StatusArg>,
    /// Only records expiring within DUR from now (not yet expired).
    #[arg(long, value_name = "DUR")]
    pub expiring_within: Option<String>,
    /// Soft-deleted records: exclude, include or only.
    #[arg(long, value_enum, default_value_t = DeletedArg::Exclude)]
    pub deleted: DeletedArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Active,
    Expired,
    NeverExpires,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DeletedArg {
    Exclude,
    Include,
    Only,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum SortArg {
    CreatedAt,
    UpdatedAt,
    ExpiresAt,
    Token,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OrderArg {
    Asc,
    Desc,
}
