//! `discburn extract`.

use crate::output::Output;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _out: &Output) -> anyhow::Result<()> {
    anyhow::bail!("`discburn extract` is not built yet")
}
