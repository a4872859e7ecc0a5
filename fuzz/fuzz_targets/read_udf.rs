//! Fuzz target: any bytes as a UDF image, with descriptor tags sealed again
//! after mutation when byte 1 is odd (see `src/read_udf.rs`, which the stable
//! smoke run `crates/fsimage/tests/fuzz_smoke.rs` also calls).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/read_image.rs"]
mod read_image;
#[path = "../src/read_udf.rs"]
mod read_udf;

fuzz_target!(|data: &[u8]| read_udf::read_udf(data));
