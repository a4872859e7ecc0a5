//! `discburn ls`.

use crate::output::Output;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _out: &Output) -> anyhow::Result<()> {
    anyhow::bail!("`discburn ls` is not built yet")
}
