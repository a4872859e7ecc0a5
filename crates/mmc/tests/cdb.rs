//! CDB fixtures built from the byte tables of mmc.md §2: construct → same
//! bytes, parse → same fields, and the `Command` union round trip.

use mmc::cdb::*;

fn check<T: std::fmt::Debug + PartialEq>(
    built: Cdb,
    fixture: &[u8],
    parse: fn(&[u8]) -> Result<T, CdbError>,
    value: T,
) {
    assert_eq!(built.as_bytes(), fixture, "construct {value:?}");
    assert_eq!(parse(fixture).unwrap(), value, "parse {fixture:02X?}");
    let command = Command::parse(fixture).unwrap();
    assert_eq!(command.to_cdb().as_bytes(), fixture, "Command round trip");
}

#[test]
fn spc_basics() {
    check(
        TestUnitReady.to_cdb(),
        &[0, 0, 0, 0, 0, 0],
        TestUnitReady::parse,
        TestUnitReady,
    );
    let rs = RequestSense {
        desc: false,
        allocation_length: 18,
    };
    check(
        rs.to_cdb(),
        &[0x03, 0, 0, 0, 18, 0],
        RequestSense::parse,
        rs,
    );
    // INQUIRY: 1 b0 EVPD, 2 page, 3-4 allocation length.
    let inq = Inquiry {
        evpd: true,
        page_code: 0x80,
        allocation_length: 0x0124,
    };
    check(
        inq.to_cdb(),
        &[0x12, 0x01, 0x80, 0x01, 0x24, 0],
        Inquiry::parse,
        inq,
    );
    check(
        Inquiry::default().to_cdb(),
        &[0x12, 0, 0, 0, 36, 0],
        Inquiry::parse,
        Inquiry::default(),
    );
}

#[test]
fn tray_and_lock() {
    // START STOP UNIT byte 4: 02h eject, 03h load; byte 1 b0 Immed.
    check(
        StartStopUnit::eject().to_cdb(),
        &[0x1B, 0, 0, 0, 0x02, 0],
        StartStopUnit::parse,
        StartStopUnit::eject(),
    );
    let load = StartStopUnit {
        immed: true,
        ..StartStopUnit::load()
    };
    check(
        load.to_cdb(),
        &[0x1B, 0x01, 0, 0, 0x03, 0],
        StartStopUnit::parse,
        load,
    );
    let lock = PreventAllowMediumRemoval { prevent: true };
    check(
        lock.to_cdb(),
        &[0x1E, 0, 0, 0, 0x01, 0],
        PreventAllowMediumRemoval::parse,
        lock,
    );
}

#[test]
fn format_and_capacity() {
    // FORMAT UNIT `04 11 00 00 00 00` (mmc.md §2.14).
    check(
        FormatUnit::default().to_cdb(),
        &[0x04, 0x11, 0, 0, 0, 0],
        FormatUnit::parse,
        FormatUnit::default(),
    );
    let rfc = ReadFormatCapacities {
        allocation_length: 0xFC,
    };
    check(
        rfc.to_cdb(),
        &[0x23, 0, 0, 0, 0, 0, 0, 0x00, 0xFC, 0],
        ReadFormatCapacities::parse,
        rfc,
    );
    check(
        ReadCapacity.to_cdb(),
        &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ReadCapacity::parse,
        ReadCapacity,
    );
}

#[test]
fn reads_and_writes() {
    // READ(10): 2-5 LBA, 7-8 blocks.
    let r = Read10::new(0x0001_2345, 16);
    check(
        r.to_cdb(),
        &[0x28, 0, 0x00, 0x01, 0x23, 0x45, 0, 0x00, 0x10, 0],
        Read10::parse,
        r,
    );
    let w = Write10(Rw10 {
        fua: true,
        lba: 0xFFFF_FF6A,
        blocks: 0x20,
    });
    check(
        w.to_cdb(),
        &[0x2A, 0x08, 0xFF, 0xFF, 0xFF, 0x6A, 0, 0x00, 0x20, 0],
        Write10::parse,
        w,
    );
    // READ(12)/WRITE(12): 6-9 blocks, 10 b7 Streaming.
    let r12 = Read12::new(0x10, 0x0001_0000);
    check(
        r12.to_cdb(),
        &[0xA8, 0, 0, 0, 0, 0x10, 0x00, 0x01, 0x00, 0x00, 0, 0],
        Read12::parse,
        r12,
    );
    let w12 = Write12::new(0x0102_0304, 32, true);
    check(
        w12.to_cdb(),
        &[0xAA, 0, 1, 2, 3, 4, 0, 0, 0, 32, 0x80, 0],
        Write12::parse,
        w12,
    );
    let sync = SynchronizeCache {
        immed: true,
        lba: 0,
        blocks: 0,
    };
    check(
        sync.to_cdb(),
        &[0x35, 0x02, 0, 0, 0, 0, 0, 0, 0, 0],
        SynchronizeCache::parse,
        sync,
    );
}

#[test]
fn toc_and_configuration() {
    // READ TOC: 1 b1 MSF, 2 format, 6 track/session, 7-8 allocation.
    let toc = ReadToc::new(TocFormat::FullToc, true, 1, 0x0FFE);
    check(
        toc.to_cdb(),
        &[0x43, 0x02, 0x02, 0, 0, 0, 0x01, 0x0F, 0xFE, 0],
        ReadToc::parse,
        toc,
    );
    let info = ReadToc::new(TocFormat::SessionInfo, false, 0, 12);
    check(
        info.to_cdb(),
        &[0x43, 0, 0x01, 0, 0, 0, 0, 0, 12, 0],
        ReadToc::parse,
        info,
    );
    // Old drives: format in byte 9 b7..b6, taken when byte 2 says 0; the
    // parsed fields keep both bytes as sent.
    let legacy = ReadToc {
        control: 0x40,
        ..ReadToc::new(TocFormat::Toc, false, 0, 12)
    };
    check(
        legacy.to_cdb(),
        &[0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40],
        ReadToc::parse,
        legacy,
    );
    assert_eq!(legacy.requested_format(), TocFormat::SessionInfo);
    assert_eq!(legacy.sff8020_format(), 1);
    let both = ReadToc {
        control: 0x80,
        ..ReadToc::new(TocFormat::SessionInfo, false, 0, 12)
    };
    assert_eq!(both.requested_format(), TocFormat::SessionInfo);
    // GET CONFIGURATION: 1 RT, 2-3 starting feature, 7-8 allocation.
    let gc = GetConfiguration {
        request_type: RequestType::One,
        starting_feature: 0x0021,
        allocation_length: 16,
    };
    check(
        gc.to_cdb(),
        &[0x46, 0x02, 0x00, 0x21, 0, 0, 0, 0, 16, 0],
        GetConfiguration::parse,
        gc,
    );
    // GESN: 1 b0 Polled, 4 class mask, 7-8 allocation.
    let gesn = GetEventStatusNotification::media();
    check(
        gesn.to_cdb(),
        &[0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0],
        GetEventStatusNotification::parse,
        gesn,
    );
}

#[test]
fn disc_and_track_information() {
    let rdi = ReadDiscInformation::default();
    check(
        rdi.to_cdb(),
        &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0],
        ReadDiscInformation::parse,
        rdi,
    );
    // READ TRACK INFORMATION: 1 b1..b0 type (01b track number), 2-5 value.
    let rti = ReadTrackInformation::new(TrackAddress::INVISIBLE);
    check(
        rti.to_cdb(),
        &[0x52, 0x01, 0, 0, 0, 0xFF, 0, 0, 48, 0],
        ReadTrackInformation::parse,
        rti,
    );
    let by_lba = ReadTrackInformation {
        open: false,
        address: TrackAddress::Lba(0x1234),
        allocation_length: 32,
    };
    check(
        by_lba.to_cdb(),
        &[0x52, 0x00, 0, 0, 0x12, 0x34, 0, 0, 32, 0],
        ReadTrackInformation::parse,
        by_lba,
    );
    let by_session = ReadTrackInformation {
        open: false,
        address: TrackAddress::Session(2),
        allocation_length: 48,
    };
    check(
        by_session.to_cdb(),
        &[0x52, 0x02, 0, 0, 0, 2, 0, 0, 48, 0],
        ReadTrackInformation::parse,
        by_session,
    );
}

#[test]
fn mode_pages() {
    // MODE SELECT(10): 1 PF (0x10), 7-8 parameter length.
    let sel = ModeSelect10::new(60);
    check(
        sel.to_cdb(),
        &[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0],
        ModeSelect10::parse,
        sel,
    );
    // MODE SENSE(10): 1 b3 DBD, 2 PC<<6 | page, 7-8 allocation.
    let sense = ModeSense10::new(0x05, PageControl::Changeable, 0x3C);
    check(
        sense.to_cdb(),
        &[0x5A, 0x08, 0x45, 0, 0, 0, 0, 0, 0x3C, 0],
        ModeSense10::parse,
        sense,
    );
}

#[test]
fn closing_reserving_blanking() {
    // CLOSE: 1 b0 Immed, 2 function, 4-5 track.
    let close = CloseTrackSession {
        immed: true,
        function: CloseFunction::CloseTrack,
        track_number: 3,
    };
    check(
        close.to_cdb(),
        &[0x5B, 0x01, 0x01, 0, 0, 3, 0, 0, 0, 0],
        CloseTrackSession::parse,
        close,
    );
    let fin = CloseTrackSession {
        immed: false,
        function: CloseFunction::Finalize,
        track_number: 0,
    };
    check(
        fin.to_cdb(),
        &[0x5B, 0, 0x06, 0, 0, 0, 0, 0, 0, 0],
        CloseTrackSession::parse,
        fin,
    );
    // RESERVE TRACK: 5-8 size; ARSV=1: 2-5 LBA.
    let size = ReserveTrack::Size(0x0001_0010);
    check(
        size.to_cdb(),
        &[0x53, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x10, 0],
        ReserveTrack::parse,
        size,
    );
    let lba = ReserveTrack::Lba(0x0000_8000);
    check(
        lba.to_cdb(),
        &[0x53, 0x01, 0x00, 0x00, 0x80, 0x00, 0, 0, 0, 0],
        ReserveTrack::parse,
        lba,
    );
    // BLANK: 1 b4 Immed, b2..b0 type; 2-5 address.
    let blank = Blank {
        immed: true,
        blank_type: BlankType::Minimal,
        address: 0,
    };
    check(
        blank.to_cdb(),
        &[0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        Blank::parse,
        blank,
    );
    let rbc = ReadBufferCapacity {
        block: false,
        allocation_length: 12,
    };
    check(
        rbc.to_cdb(),
        &[0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0],
        ReadBufferCapacity::parse,
        rbc,
    );
}

#[test]
fn speed_commands() {
    // GET PERFORMANCE: 1 data type, 2-5 LBA, 8-9 max descriptors, 10 type.
    let gp = GetPerformance::write_speeds(32);
    check(
        gp.to_cdb(),
        &[0xAC, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0x03, 0],
        GetPerformance::parse,
        gp,
    );
    let nominal = GetPerformance::nominal_write(1);
    check(
        nominal.to_cdb(),
        &[0xAC, 0x14, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0],
        GetPerformance::parse,
        nominal,
    );
    // SET STREAMING: 8 type, 9-10 parameter length 28.
    check(
        SetStreaming::default().to_cdb(),
        &[0xB6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28, 0],
        SetStreaming::parse,
        SetStreaming::default(),
    );
    // SET CD SPEED: 2-3 read, 4-5 write kB/s.
    let speed = SetCdSpeed {
        rotational_control: 0,
        read_speed: SetCdSpeed::MAX,
        write_speed: 1385,
    };
    check(
        speed.to_cdb(),
        &[0xBB, 0, 0xFF, 0xFF, 0x05, 0x69, 0, 0, 0, 0, 0, 0],
        SetCdSpeed::parse,
        speed,
    );
}

#[test]
fn unknown_and_short_cdbs_are_errors() {
    assert_eq!(
        Command::parse(&[0xFF, 0, 0, 0, 0, 0]),
        Err(CdbError::UnknownOpcode(0xFF))
    );
    assert!(matches!(
        Command::parse(&[0x28, 0, 0]),
        Err(CdbError::TooShort { expected: 10, .. })
    ));
    assert!(Command::parse(&[]).is_err());
    // Unnamed enum values survive a round trip (the device decides what to reject).
    let odd = CloseTrackSession {
        immed: false,
        function: CloseFunction::from(7),
        track_number: 1,
    };
    assert_eq!(
        CloseTrackSession::parse(&odd.to_cdb()).unwrap().function,
        CloseFunction::Other(7)
    );
}

#[test]
fn names_and_lengths() {
    assert_eq!(
        opcode_name(opcode::READ_DISC_INFORMATION),
        "READ DISC INFORMATION"
    );
    assert_eq!(cdb_length(opcode::TEST_UNIT_READY), 6);
    assert_eq!(cdb_length(opcode::READ_10), 10);
    assert_eq!(cdb_length(opcode::BLANK), 12);
    assert_eq!(
        Command::parse(&Read10::new(0, 1).to_cdb()).unwrap().name(),
        "READ(10)"
    );
    assert_eq!(
        format!("{:?}", TestUnitReady.to_cdb()),
        "Cdb[TEST UNIT READY: 00 00 00 00 00 00]"
    );
}

#[test]
fn read_cd_and_opc() {
    // READ CD: 1 b4..b2 sector type (2 Mode 1), 2-5 LBA, 6-8 blocks, 9 main
    // channel (10h user data), 10 sub-channel.
    let cd = ReadCd::mode1(0x0102_0304, 0x05_0607);
    check(
        cd.to_cdb(),
        &[
            0xBE, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0, 0,
        ],
        ReadCd::parse,
        cd,
    );
    let raw = ReadCd {
        expected_sector_type: 0,
        dap: true,
        main_channel: ReadCd::RAW_SECTOR,
        subchannel: 2,
        ..ReadCd::mode1(7, 1)
    };
    check(
        raw.to_cdb(),
        &[0xBE, 0x02, 0, 0, 0, 7, 0, 0, 1, 0xF8, 0x02, 0],
        ReadCd::parse,
        raw,
    );
    // SEND OPC INFORMATION: 1 b0 DoOpc, 7-8 parameter list length.
    let opc = SendOpcInformation {
        do_opc: true,
        parameter_list_length: 0x0102,
    };
    check(
        opc.to_cdb(),
        &[0x54, 0x01, 0, 0, 0, 0, 0, 0x01, 0x02, 0],
        SendOpcInformation::parse,
        opc,
    );
}

#[test]
fn read_only_drive_commands() {
    let seek = Seek10 { lba: 0x0A0B_0C0D };
    check(
        seek.to_cdb(),
        &[0x2B, 0, 0x0A, 0x0B, 0x0C, 0x0D, 0, 0, 0, 0],
        Seek10::parse,
        seek,
    );
    // VERIFY(10) / WRITE AND VERIFY(10): 1 b1 BYTCHK, 2-5 LBA, 7-8 blocks.
    let verify = Verify10 {
        byte_check: true,
        lba: 16,
        blocks: 0x0203,
    };
    check(
        verify.to_cdb(),
        &[0x2F, 0x02, 0, 0, 0, 16, 0, 0x02, 0x03, 0],
        Verify10::parse,
        verify,
    );
    let write_verify = WriteAndVerify10(verify);
    check(
        write_verify.to_cdb(),
        &[0x2E, 0x02, 0, 0, 0, 16, 0, 0x02, 0x03, 0],
        WriteAndVerify10::parse,
        write_verify,
    );
    // SERVICE ACTION IN(16) / READ CAPACITY(16): 1 service action 10h,
    // 2-9 LBA, 10-13 allocation length, 14 b0 PMI.
    let capacity = ServiceActionIn16::read_capacity();
    check(
        capacity.to_cdb(),
        &[0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0],
        ServiceActionIn16::parse,
        capacity,
    );
    assert!(capacity.is_read_capacity());
    let other = ServiceActionIn16 {
        service_action: 0x11,
        lba: 0x0102_0304_0506_0708,
        allocation_length: 0x0A0B_0C0D,
        pmi: true,
    };
    check(
        other.to_cdb(),
        &[
            0x9E, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x0A, 0x0B, 0x0C, 0x0D, 0x01, 0,
        ],
        ServiceActionIn16::parse,
        other,
    );
    assert!(!other.is_read_capacity());
    // READ DISC STRUCTURE: 1 media type, 2-5 address, 6 layer, 7 format,
    // 8-9 allocation length, 10 b7..b6 AGID.
    let structure = ReadDiscStructure {
        media_type: 1,
        address: 0x10,
        layer: 1,
        format: ReadDiscStructure::CAPABILITY_LIST,
        allocation_length: 0x0804,
        agid: 2,
    };
    check(
        structure.to_cdb(),
        &[0xAD, 0x01, 0, 0, 0, 0x10, 0x01, 0xFF, 0x08, 0x04, 0x80, 0],
        ReadDiscStructure::parse,
        structure,
    );
    let mechanism = MechanismStatus::default();
    check(
        mechanism.to_cdb(),
        &[0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0],
        MechanismStatus::parse,
        mechanism,
    );
    assert_eq!(
        Command::parse(&mechanism.to_cdb()).unwrap().name(),
        "MECHANISM STATUS"
    );
    assert!(matches!(
        Command::parse(&[0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(CdbError::TooShort { expected: 16, .. })
    ));
}
