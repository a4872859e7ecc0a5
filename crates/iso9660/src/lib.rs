//! ECMA-119 (ISO 9660), Joliet and SUSP/Rock Ridge (RRIP 1.12) on-disc structures.
//!
//! Parse and emit only: this crate does no I/O. Each structure is a plain `Repr`
//! with `parse(&[u8])` and `emit(&mut [u8])`, in the style of smoltcp's `wire` module.
#![forbid(unsafe_code)]
