//! `usersig completions SHELL` and the hidden `usersig man DIR`, both made
//! from the command tree, so that every subcommand and flag is covered as
//! soon as it exists.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Command};
use clap_complete::Shell;

use crate::Failure;

/// `usersig completions`.
#[derive(Args, Debug)]
pub(crate) struct Completions {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    shell: Shell,
}

/// `usersig man`.
#[derive(Args, Debug)]
pub(crate) struct Man {
    /// The directory to write the pages into (created when missing).
    dir: PathBuf,
}

/// Prints the completion script for `a.shell` on standard output.
pub(crate) fn completions(a: &Completions, cmd: Command) -> Result<(), Failure> {
    let mut cmd = without_hidden_subcommands(cmd);
    // Written whole at the end: clap_complete panics when a write fails,
    // and a closed pipe must end the output quietly instead.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "usersig", &mut script);
    let mut stdout = std::io::stdout().lock();
    // As `out!`: a reader that went away ends the output.
    let _ = stdout.write_all(&script).and_then(|()| stdout.flush());
    Ok(())
}

/// The command with its hidden subcommands (`man`) left out: clap_complete
/// would offer them. The rest is kept: the top-level arguments, groups and
/// texts, and every visible subcommand whole.
fn without_hidden_subcommands(cmd: Command) -> Command {
    let mut visible = Command::new("usersig")
        .version(env!("CARGO_PKG_VERSION"))
        .args(cmd.get_arguments().cloned())
        .groups(cmd.get_groups().cloned())
        .subcommands(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    if let Some(about) = cmd.get_about() {
        visible = visible.about(about.clone());
    }
    visible
}

/// Writes `usersig.1` and one `usersig-SUBCOMMAND.1` page per visible
/// subcommand (nested ones too) into `a.dir`, and prints each path.
pub(crate) fn man_pages(a: &Man, cmd: Command) -> Result<(), Failure> {
    std::fs::create_dir_all(&a.dir)
        .map_err(|e| Failure::Input(format!("cannot create {}: {e}", a.dir.display())))?;
    let version = cmd.get_version().unwrap_or_default().to_owned();
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    write_pages(&cmd, &a.dir, &version)
}

fn write_pages(cmd: &Command, dir: &Path, version: &str) -> Result<(), Failure> {
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("usersig {version}"))
        .manual("usersig manual");
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    man.render(&mut page)
        .and_then(|()| std::fs::write(&path, &page))
        .map_err(|e| Failure::Input(format!("cannot write {}: {e}", path.display())))?;
    out!("{}", path.display());
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, version)?;
    }
    Ok(())
}
