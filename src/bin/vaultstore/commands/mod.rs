//! One module per group of subcommands, as `args.rs` groups them: each takes its group's
//! parsed arguments and an open store, calls the library, and prints the result.

pub mod bulk;
pub mod past;
pub mod records;
pub mod shell;
pub mod tokens;
pub mod transfer;
pub mod vault;
