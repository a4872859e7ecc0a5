//! One codec both ways: random sequences of commands, encoded with the `mmc`
//! builders the engine sends with, are parsed back by the emulator's own
//! dispatcher (`Recorder::parse_cdb`) into equal values, and every one of
//! them is then answered without a panic by each drive personality.

use std::time::Duration;

use emulator::{MediaType, Personality, Recorder};
use mmc::cdb::*;
use mmc::{DataDirection, Transport};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

fn command() -> impl Strategy<Value = Command> {
    let arms: Vec<BoxedStrategy<Command>> = vec![
        Just(Command::TestUnitReady(TestUnitReady)).boxed(),
        (any::<bool>(), any::<u8>())
            .prop_map(|(desc, allocation_length)| {
                Command::RequestSense(RequestSense {
                    desc,
                    allocation_length,
                })
            })
            .boxed(),
        (any::<bool>(), any::<u8>(), any::<u16>())
            .prop_map(|(evpd, page_code, allocation_length)| {
                Command::Inquiry(Inquiry {
                    evpd,
                    page_code,
                    allocation_length,
                })
            })
            .boxed(),
        (any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(immed, load_eject, start)| {
                Command::StartStopUnit(StartStopUnit {
                    immed,
                    load_eject,
                    start,
                })
            })
            .boxed(),
        any::<bool>()
            .prop_map(|prevent| {
                Command::PreventAllowMediumRemoval(PreventAllowMediumRemoval { prevent })
            })
            .boxed(),
        (any::<bool>(), any::<bool>(), 0u8..8)
            .prop_map(|(fmt_data, cmp_list, format_code)| {
                Command::FormatUnit(FormatUnit {
                    fmt_data,
                    cmp_list,
                    format_code,
                })
            })
            .boxed(),
        any::<u16>()
            .prop_map(|allocation_length| {
                Command::ReadFormatCapacities(ReadFormatCapacities { allocation_length })
            })
            .boxed(),
        Just(Command::ReadCapacity(ReadCapacity)).boxed(),
        (any::<bool>(), any::<u32>(), any::<u16>())
            .prop_map(|(fua, lba, blocks)| Command::Read10(Read10(Rw10 { fua, lba, blocks })))
            .boxed(),
        (any::<bool>(), any::<u32>(), any::<u16>())
            .prop_map(|(fua, lba, blocks)| Command::Write10(Write10(Rw10 { fua, lba, blocks })))
            .boxed(),
        (any::<bool>(), any::<u32>(), any::<u32>(), any::<bool>())
            .prop_map(|(fua, lba, blocks, streaming)| {
                Command::Read12(Read12(Rw12 {
                    fua,
                    lba,
                    blocks,
                    streaming,
                }))
            })
            .boxed(),
        (any::<bool>(), any::<u32>(), any::<u32>(), any::<bool>())
            .prop_map(|(fua, lba, blocks, streaming)| {
                Command::Write12(Write12(Rw12 {
                    fua,
                    lba,
                    blocks,
                    streaming,
                }))
            })
            .boxed(),
        (any::<bool>(), any::<u32>(), any::<u16>())
            .prop_map(|(immed, lba, blocks)| {
                Command::SynchronizeCache(SynchronizeCache { immed, lba, blocks })
            })
            .boxed(),
        (
            any::<bool>(),
            0u8..16,
            any::<u8>(),
            any::<u16>(),
            any::<u8>(),
        )
            .prop_map(|(msf, format, number, allocation_length, control)| {
                Command::ReadToc(ReadToc {
                    control,
                    ..ReadToc::new(TocFormat::from(format), msf, number, allocation_length)
                })
            })
            .boxed(),
        (0u8..4, any::<u16>(), any::<u16>())
            .prop_map(|(rt, starting_feature, allocation_length)| {
                Command::GetConfiguration(GetConfiguration {
                    request_type: RequestType::from(rt),
                    starting_feature,
                    allocation_length,
                })
            })
            .boxed(),
        (any::<bool>(), any::<u8>(), any::<u16>())
            .prop_map(|(polled, class_request, allocation_length)| {
                Command::GetEventStatusNotification(GetEventStatusNotification {
                    polled,
                    class_request,
                    allocation_length,
                })
            })
            .boxed(),
        (0u8..8, any::<u16>())
            .prop_map(|(data_type, allocation_length)| {
                Command::ReadDiscInformation(ReadDiscInformation {
                    data_type,
                    allocation_length,
                })
            })
            .boxed(),
        (any::<bool>(), 0u8..4, any::<u32>(), any::<u16>())
            .prop_map(|(open, kind, value, allocation_length)| {
                let address = match kind {
                    0 => TrackAddress::Lba(value),
                    1 => TrackAddress::Track(value),
                    2 => TrackAddress::Session(value),
                    _ => TrackAddress::Reserved(value),
                };
                Command::ReadTrackInformation(ReadTrackInformation {
                    open,
                    address,
                    allocation_length,
                })
            })
            .boxed(),
        (any::<bool>(), any::<u32>())
            .prop_map(|(arsv, value)| {
                Command::ReserveTrack(if arsv {
                    ReserveTrack::Lba(value)
                } else {
                    ReserveTrack::Size(value)
                })
            })
            .boxed(),
        (any::<bool>(), any::<bool>(), any::<u16>())
            .prop_map(|(page_format, save_pages, parameter_list_length)| {
                Command::ModeSelect10(ModeSelect10 {
                    page_format,
                    save_pages,
                    parameter_list_length,
                })
            })
            .boxed(),
        (any::<bool>(), 0u8..4, 0u8..64, any::<u8>(), any::<u16>())
            .prop_map(|(dbd, pc, page_code, subpage_code, allocation_length)| {
                Command::ModeSense10(ModeSense10 {
                    disable_block_descriptors: dbd,
                    page_control: PageControl::from(pc),
                    page_code,
                    subpage_code,
                    allocation_length,
                })
            })
            .boxed(),
        (any::<bool>(), 0u8..8, any::<u16>())
            .prop_map(|(immed, function, track_number)| {
                Command::CloseTrackSession(CloseTrackSession {
                    immed,
                    function: CloseFunction::from(function),
                    track_number,
                })
            })
            .boxed(),
        (any::<bool>(), any::<u16>())
            .prop_map(|(block, allocation_length)| {
                Command::ReadBufferCapacity(ReadBufferCapacity {
                    block,
                    allocation_length,
                })
            })
            .boxed(),
        (any::<bool>(), 0u8..8, any::<u32>())
            .prop_map(|(immed, kind, address)| {
                Command::Blank(Blank {
                    immed,
                    blank_type: BlankType::from(kind),
                    address,
                })
            })
            .boxed(),
        (any::<u8>(), any::<u32>(), any::<u16>(), any::<u8>())
            .prop_map(
                |(data_type, starting_lba, max_descriptors, performance_type)| {
                    Command::GetPerformance(GetPerformance {
                        data_type,
                        starting_lba,
                        max_descriptors,
                        performance_type,
                    })
                },
            )
            .boxed(),
        (any::<u8>(), any::<u16>())
            .prop_map(|(descriptor_type, parameter_list_length)| {
                Command::SetStreaming(SetStreaming {
                    descriptor_type,
                    parameter_list_length,
                })
            })
            .boxed(),
        (0u8..4, any::<u16>(), any::<u16>())
            .prop_map(|(rotational_control, read_speed, write_speed)| {
                Command::SetCdSpeed(SetCdSpeed {
                    rotational_control,
                    read_speed,
                    write_speed,
                })
            })
            .boxed(),
        (any::<bool>(), any::<u16>())
            .prop_map(|(do_opc, parameter_list_length)| {
                Command::SendOpcInformation(SendOpcInformation {
                    do_opc,
                    parameter_list_length,
                })
            })
            .boxed(),
        (
            0u8..8,
            any::<bool>(),
            any::<u32>(),
            0u32..1 << 24,
            any::<u8>(),
            0u8..8,
        )
            .prop_map(
                |(expected_sector_type, dap, lba, blocks, main_channel, subchannel)| {
                    Command::ReadCd(ReadCd {
                        expected_sector_type,
                        dap,
                        lba,
                        blocks,
                        main_channel,
                        subchannel,
                    })
                },
            )
            .boxed(),
        any::<u32>()
            .prop_map(|lba| Command::Seek10(Seek10 { lba }))
            .boxed(),
        (any::<bool>(), any::<u32>(), any::<u16>())
            .prop_map(|(byte_check, lba, blocks)| {
                Command::Verify10(Verify10 {
                    byte_check,
                    lba,
                    blocks,
                })
            })
            .boxed(),
        (any::<bool>(), any::<u32>(), any::<u16>())
            .prop_map(|(byte_check, lba, blocks)| {
                Command::WriteAndVerify10(WriteAndVerify10(Verify10 {
                    byte_check,
                    lba,
                    blocks,
                }))
            })
            .boxed(),
        (0u8..32, any::<u64>(), any::<u32>(), any::<bool>())
            .prop_map(|(service_action, lba, allocation_length, pmi)| {
                Command::ServiceActionIn16(ServiceActionIn16 {
                    service_action,
                    lba,
                    allocation_length,
                    pmi,
                })
            })
            .boxed(),
        (
            any::<u8>(),
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            0u8..4,
        )
            .prop_map(
                |(media_type, address, layer, format, allocation_length, agid)| {
                    Command::ReadDiscStructure(ReadDiscStructure {
                        media_type,
                        address,
                        layer,
                        format,
                        allocation_length,
                        agid,
                    })
                },
            )
            .boxed(),
        any::<u16>()
            .prop_map(|allocation_length| {
                Command::MechanismStatus(MechanismStatus { allocation_length })
            })
            .boxed(),
    ];
    Union::new(arms)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn engine_encoded_commands_parse_back_equal_in_the_emulator(
        commands in prop::collection::vec(command(), 1..40),
        which in 0usize..3,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut rec = Recorder::create(dir.path().join("m"), MediaType::CdRw, Some(2000)).unwrap();
        rec.set_personality(Personality::ALL[which]);
        rec.set_immed_polls(0);
        for command in commands {
            let cdb = command.to_cdb();
            prop_assert_eq!(rec.parse_cdb(&cdb), Ok(command), "{:?}", cdb);
            // The same bytes, sent: answered, whatever the answer.
            let mut buf = vec![0u8; 4096];
            let _ = rec.execute(&cdb, DataDirection::FromDevice(&mut buf), Duration::from_secs(1));
        }
    }
}
