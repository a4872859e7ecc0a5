//! `DISCBURN_EMU_FAULTS` as the CLI and engine see it (own process: it sets
//! the environment).

use emulator::{MediaType, Recorder, FAULTS_ENV};
use mmc::{ops, Transport};

#[test]
fn faults_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m");
    drop(Recorder::create(&path, MediaType::DvdPlusR, None).unwrap());
    std::env::set_var(FAULTS_ENV, "write_error@lba=20; immed_polls=0");
    let mut rec = Recorder::open_with_env_faults(&path).unwrap();
    let t: &mut dyn Transport = &mut rec;
    ops::test_unit_ready(t).unwrap();
    let err = ops::write_blocks(t, 0, &vec![0u8; 32 * 2048]).unwrap_err();
    assert_eq!(err.sense().unwrap().code(), (3, 0x0C, 0x00));
    drop(rec);
    std::env::set_var(FAULTS_ENV, "write_error@cmd=x");
    assert!(matches!(
        Recorder::open_with_env_faults(&path),
        Err(emulator::Error::BadFaults { .. })
    ));
    std::env::remove_var(FAULTS_ENV);
}
