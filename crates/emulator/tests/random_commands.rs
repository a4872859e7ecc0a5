//! Random command sequences never panic and never leave an invalid medium state.

use std::time::Duration;

use emulator::{Fault, MediaType, Recorder, Trigger};
use mmc::{DataDirection, Transport};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Action {
    /// Any CDB with a data phase: 0 none, 1 to device, 2 from device.
    Raw {
        cdb: Vec<u8>,
        phase: u8,
        len: usize,
    },
    /// WRITE(10) at the next writable address the drive reports.
    WriteAtNwa {
        blocks: u16,
    },
    Sync {
        immed: bool,
    },
    Close {
        function: u8,
        track: u16,
    },
    Reopen,
    Inject(u8, u64),
    /// FORMAT UNIT without parameter list (the medium's default format).
    Format,
    /// BLANK full or minimal.
    Blank {
        minimal: bool,
    },
}

const OPCODES: [u8; 30] = [
    0x00, 0x03, 0x04, 0x12, 0x1B, 0x1E, 0x23, 0x25, 0x28, 0x2A, 0x35, 0x43, 0x46, 0x4A, 0x51, 0x52,
    0x53, 0x54, 0x55, 0x5A, 0x5B, 0x5C, 0xA1, 0xA8, 0xAA, 0xAC, 0xB6, 0xBB, 0xBE, 0xFF,
];

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (prop::sample::select(OPCODES.to_vec()), prop::collection::vec(any::<u8>(), 5..16), 0u8..3, 0usize..70_000)
            .prop_map(|(op, mut rest, phase, len)| {
                rest.insert(0, op);
                Action::Raw { cdb: rest, phase, len }
            }),
        3 => (1u16..400).prop_map(|blocks| Action::WriteAtNwa { blocks }),
        1 => any::<bool>().prop_map(|immed| Action::Sync { immed }),
        1 => (0u8..8, 0u16..5).prop_map(|(function, track)| Action::Close { function, track }),
        1 => Just(Action::Reopen),
        1 => (0u8..6, 1u64..4).prop_map(|(kind, n)| Action::Inject(kind, n)),
        1 => Just(Action::Format),
        1 => any::<bool>().prop_map(|minimal| Action::Blank { minimal }),
    ]
}

fn nwa(rec: &mut Recorder) -> u32 {
    let mut buf = [0u8; 34];
    let cdb = [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0];
    let _ = rec.execute(
        &cdb,
        DataDirection::FromDevice(&mut buf),
        Duration::from_secs(1),
    );
    let track = buf[6];
    let mut info = [0u8; 48];
    let cdb = [0x52, 1, 0, 0, 0, track, 0, 0, 48, 0];
    let _ = rec.execute(
        &cdb,
        DataDirection::FromDevice(&mut info),
        Duration::from_secs(1),
    );
    u32::from_be_bytes([info[12], info[13], info[14], info[15]])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_never_panic(media in prop::sample::select(MediaType::ALL.to_vec()), capacity in 1024u64..6000,
                                   actions in prop::collection::vec(action(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        let mut rec = Recorder::create(&path, media, Some(capacity)).unwrap();
        rec.set_immed_polls(1);
        for action in actions {
            match action {
                Action::Raw { cdb, phase, len } => {
                    let mut buf = vec![0x5Au8; len];
                    let data = match phase {
                        0 => DataDirection::None,
                        1 => DataDirection::ToDevice(&buf),
                        _ => DataDirection::FromDevice(&mut buf),
                    };
                    let _ = rec.execute(&cdb, data, Duration::from_secs(1));
                }
                Action::WriteAtNwa { blocks } => {
                    let lba = nwa(&mut rec);
                    // Whole ECC blocks / clusters where the medium demands them.
                    let unit = match media {
                        MediaType::DvdPlusR | MediaType::DvdPlusRDl => 16,
                        MediaType::BdR => 32,
                        _ => 1,
                    };
                    let blocks = blocks.div_ceil(unit) * unit;
                    let data = vec![7u8; usize::from(blocks) * 2048];
                    let mut cdb = [0x2A, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                    cdb[2..6].copy_from_slice(&lba.to_be_bytes());
                    cdb[7..9].copy_from_slice(&blocks.to_be_bytes());
                    let _ = rec.execute(&cdb, DataDirection::ToDevice(&data), Duration::from_secs(1));
                }
                Action::Sync { immed } => {
                    let _ = rec.execute(&[0x35, u8::from(immed) << 1, 0, 0, 0, 0, 0, 0, 0, 0], DataDirection::None, Duration::from_secs(1));
                }
                Action::Close { function, track } => {
                    let t = track.to_be_bytes();
                    let _ = rec.execute(&[0x5B, 0, function, 0, t[0], t[1], 0, 0, 0, 0], DataDirection::None, Duration::from_secs(1));
                }
                Action::Reopen => {
                    let before = rec.state().clone();
                    drop(rec);
                    rec = Recorder::open(&path).unwrap();
                    rec.set_immed_polls(1);
                    // Dropping saves what the drive held: nothing is lost or invented.
                    prop_assert_eq!(rec.state(), &before);
                }
                Action::Format => {
                    let _ = rec.execute(&[0x04, 0, 0, 0, 0, 0], DataDirection::None, Duration::from_secs(1));
                }
                Action::Blank { minimal } => {
                    let cdb = [0xA1, u8::from(minimal), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                    let _ = rec.execute(&cdb, DataDirection::None, Duration::from_secs(1));
                }
                Action::Inject(kind, n) => rec.inject(match kind {
                    0 => Fault::PowerLoss { at: Trigger::Write(n) },
                    1 => Fault::Reset { at: Trigger::Command(n) },
                    2 => Fault::MediumRemoved { at: Trigger::Command(n), commands: n as u32 },
                    3 => Fault::Busy { at: Trigger::Write(n), polls: n as u32 },
                    4 => Fault::WriteError { lba: n * 16 },
                    _ => Fault::ReadError { lba: n },
                }),
            }
            prop_assert!(rec.state().validate().is_ok(), "{:?}", rec.state().validate());
        }
        drop(rec);
        // Whatever happened, the medium reopens.
        prop_assert!(Recorder::open(&path).is_ok());
    }
}
