//! The command line describing itself: shell completions and the manual page, both
//! generated from the clap definitions in `args.rs`, so they never drift from the
//! commands. `make package` installs what these print.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::args::{Cli, CompletionShell, ShellCommand};
use crate::failure::{Failure, Outcome};
use crate::output::write_out;

pub fn run(command: &ShellCommand) -> Outcome {
    let mut cli = Cli::command();
    let mut out = Vec::new();
    match command {
        ShellCommand::Completions { shell } => {
            let shell = match shell {
                CompletionShell::Bash => Shell::Bash,
                CompletionShell::Zsh => Shell::Zsh,
                CompletionShell::Fish => Shell::Fish,
            };
            clap_complete::generate(shell, &mut cli, "vaultstore", &mut out);
        }
        ShellCommand::Man => clap_mangen::Man::new(cli)
            .render(&mut out)
            .map_err(Failure::Output)?,
    }
    write_out(&out)
}
