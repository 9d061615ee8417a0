//! `--procmon-build`: the ProcMon release whose rendering to imitate, for the commands that
//! render columns.

use pml_parser::ProcmonBuild;

/// The `--procmon-build` option.
#[derive(clap::Args, Debug, Clone)]
pub struct BuildArgs {
    /// Print Operation and Detail as this ProcMon release does: a version (3.4, 3.53, 3.89) or
    /// a family (2.x, 3.0-3.4x, 3.5x, 3.6+). Default: the release found in the capture, as
    /// `pml info` names it. Releases differ in QueryDirectory's FileInformationClass and in
    /// the operations they name.
    #[arg(long = "procmon-build", value_name = "VERSION", value_parser = parse_build)]
    procmon_build: Option<ProcmonBuild>,
}

impl BuildArgs {
    /// The build asked for, or `None` for the one detected in each capture.
    pub fn build(&self) -> Option<ProcmonBuild> {
        self.procmon_build
    }
}

fn parse_build(text: &str) -> Result<ProcmonBuild, String> {
    text.parse()
        .map_err(|e: pml_parser::ProcmonBuildError| e.to_string())
}
