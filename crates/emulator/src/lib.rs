//! An emulated MMC recorder implementing [`mmc::Transport`].
#![forbid(unsafe_code)]
