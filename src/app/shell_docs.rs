//! Shell completions (clap_complete) and the man page (clap_mangen), both
//! generated from the command line's own definition, so they never drift
//! from it.

use super::exit_code::{exit, internal, AppError};
use crate::cli::Cli;
use clap::CommandFactory;

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> u8 {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "migbench",
        &mut std::io::stdout(),
    );
    exit::SUCCESS
}

/// Prints the man page (roff).
pub fn man() -> Result<u8, AppError> {
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout())
        .map_err(internal)?;
    Ok(exit::SUCCESS)
}
