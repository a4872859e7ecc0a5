//! discburn on every kind of emulated recorder, from the command line; one
//! test binary (its tests run side by side), a module per subject.

#[path = "../interop_support/mod.rs"]
mod interop_support;
mod support;

mod buffer;
mod faults;
mod media_ops;
mod sessions;
mod space;
