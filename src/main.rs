//! `migbench`: parse the command line, run it, map the outcome to an exit code.

use clap::Parser;
use migbench::app;
use migbench::cli::Cli;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    app::init_logging(cli.verbose);
    let code = match app::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("Error: {:#}", error.error);
            error.code
        }
    };
    std::process::ExitCode::from(code as u8)
}
