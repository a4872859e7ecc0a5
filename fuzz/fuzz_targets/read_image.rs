//! Fuzz target: any bytes as an image (see `src/read_image.rs`, which the
//! stable smoke run `crates/fsimage/tests/fuzz_smoke.rs` also calls).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/read_image.rs"]
mod read_image;

fuzz_target!(|data: &[u8]| read_image::read_image(data));
