//! Answers built from the medium's state, each emitted with the `mmc`
//! crate's reply types where it has one: INQUIRY and its VPD pages, READ DISC
//! INFORMATION, READ TRACK INFORMATION, READ TOC (formats 0, 1, 2, 4), GET
//! EVENT STATUS NOTIFICATION, MODE SENSE (pages 05h, 2Ah), READ FORMAT
//! CAPACITIES, GET PERFORMANCE, READ DISC STRUCTURE (write protection).

use mmc::cdb::{
    GetEventStatusNotification, GetPerformance, Inquiry, ModeSense10, PageControl,
    ReadDiscStructure, ReadToc, ReadTrackInformation, TocFormat, TrackAddress,
};
use mmc::disc::{DiscInformation, LayerBoundary, TrackInformation, WriteProtection};
use mmc::format::{CapacityDescriptorType, CurrentCapacity, FormatCapacities, FormattableCapacity};
use mmc::inquiry::{InquiryData, MediaEventCode, MediaEventStatus};
use mmc::mode::{page, ModeHeader, HEADER_LEN};
use mmc::sense::codes as sense;
use mmc::toc::{Atip, FullToc, FullTocEntry, Msf, SessionInfo, Toc, TocTrack};

use super::{address, msf, u32_of, Recorder, Reply, BUFFER_BYTES};
use crate::media::{Family, MediaType};
use crate::store::BLOCK_BYTES;

/// Vendor, product and revision of INQUIRY (SPC-3 6.4.2: 8, 16, 4 ASCII bytes).
const VENDOR: &str = "DISCBURN";
const PRODUCT: &str = "EMU RECORDER";
const REVISION: &str = "0.1";

/// ATIP lead-in start reported for CD media (97:27:00, a common value).
const ATIP_LEAD_IN_LBA: i64 = -11_625;

/// Page 2Ah with one write speed descriptor: bytes 0..32 then 4 bytes per
/// descriptor from byte 32; the page length covers them exactly (1Eh + 4n,
/// as `mmc::mode::CapabilitiesPage` emits and parses it).
const PAGE2A_LENGTH: u8 = mmc::mode::capabilities_page_length(1) as u8;

/// MODE SENSE page code 3Fh: every page.
const ALL_PAGES: u8 = 0x3F;

fn put16(b: &mut [u8], at: usize, value: u16) {
    b[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

fn put32(b: &mut [u8], at: usize, value: u32) {
    b[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

impl Recorder {
    pub(super) fn inquiry(&self, command: &Inquiry) -> Reply {
        let allocation = usize::from(command.allocation_length);
        if command.evpd {
            return match self.vpd_page(command.page_code) {
                Some(page) => Reply::Data(page, allocation),
                None => Reply::Check(sense::INVALID_FIELD_IN_CDB),
            };
        }
        if command.page_code != 0 {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let data = InquiryData::mmc_device(VENDOR, PRODUCT, REVISION);
        Reply::Data(data.emit().to_vec(), allocation)
    }

    /// Vital product data (INQUIRY with EVPD=1). SPC-3, whose version (5) the
    /// standard INQUIRY data claims, makes pages 00h (supported pages, 7.6.10)
    /// and 83h (device identification, 7.6.3) mandatory; 80h (unit serial
    /// number, 7.6.11) is what drives add. Initiators such as QEMU's iSCSI
    /// block driver read page 00h and give up on a device that refuses it.
    fn vpd_page(&self, page: u8) -> Option<Vec<u8>> {
        let serial = self.unit_serial();
        let body = match page {
            0x00 => vec![0x00, 0x80, 0x83],
            0x80 => serial.into_bytes(),
            0x83 => {
                // One designator: ASCII (code set 2), the logical unit (association 0),
                // T10 vendor ID based (type 1): vendor, then product and serial.
                let mut id = format!("{VENDOR:<8}").into_bytes();
                id.extend_from_slice(format!("{PRODUCT} {serial}").as_bytes());
                let mut designator = vec![0x02, 0x01, 0x00, id.len() as u8];
                designator.extend_from_slice(&id);
                designator
            }
            _ => return None,
        };
        // Header: device type 5 (MMC), page code, page length (SPC-3 7.6.1).
        let mut data = vec![mmc::inquiry::DEVICE_TYPE_MMC, page];
        data.extend_from_slice(&(body.len() as u16).to_be_bytes());
        data.extend_from_slice(&body);
        Some(data)
    }

    /// A serial number that stays the same for the same medium file (FNV-1a of its path).
    fn unit_serial(&self) -> String {
        let hash = self
            .path()
            .to_string_lossy()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        format!("{:08X}", hash as u32)
    }

    pub(super) fn disc_information(&self) -> Vec<u8> {
        let state = &self.state;
        let mut info = DiscInformation::new(
            state.disc_status(),
            state.last_session_state(),
            state.media.erasable(),
        );
        let (first, last) = state.last_session_tracks();
        info.sessions = state.session_count() as u16;
        info.first_track_in_last_session = first as u16;
        info.last_track_in_last_session = last as u16;
        info.uru = true;
        if state.media == MediaType::DvdPlusRw {
            info.bg_format_status = state.bg_format.code();
        }
        // Last session lead-in and last possible lead-out: CD as 00 M S F,
        // else LBAs; FFFFFFFFh on complete media (MMC-5 6.22.3.1.10-11).
        if !state.is_overwritable() && !state.finalized {
            if state.family() == Family::Cd {
                let lead_in = match state.next_writable() {
                    Some(nwa) if !state.tracks.is_empty() => nwa as i64 - 150 - 4_500,
                    _ => ATIP_LEAD_IN_LBA,
                };
                info.last_session_lead_in_start = address(lead_in, true);
                info.last_possible_lead_out_start = address(state.capacity as i64, true);
            } else {
                info.last_session_lead_in_start = u32_of(state.next_writable().unwrap_or(0));
                info.last_possible_lead_out_start = u32_of(state.write_capacity());
            }
        }
        info.emit()
    }

    pub(super) fn track_information(&self, command: &ReadTrackInformation) -> Reply {
        let state = &self.state;
        let view = match command.address {
            TrackAddress::Lba(value) => {
                if u64::from(value) >= state.capacity {
                    return Reply::Check(sense::LBA_OUT_OF_RANGE);
                }
                state.track_view_at(u64::from(value))
            }
            TrackAddress::Track(value) => {
                if value == 0xFF && !state.is_overwritable() {
                    if !state.allows_track_ff() {
                        return Reply::Check(sense::INVALID_FIELD_IN_CDB);
                    }
                    // The invisible track, else the incomplete last track.
                    state.track_views().pop().filter(|v| v.nwa.is_some())
                } else if value == 0 {
                    None
                } else {
                    state.track_view(value)
                }
            }
            TrackAddress::Session(value) => {
                state.track_views().into_iter().find(|v| v.session == value)
            }
            TrackAddress::Reserved(_) => None,
        };
        let Some(view) = view else {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        };
        let info = TrackInformation {
            track_number: view.number as u16,
            session_number: view.session as u16,
            track_mode: view.track_mode & 0x0F,
            rt: view.reserved && view.nwa.is_some(),
            blank: view.blank,
            packet: view.incremental,
            fp: view.fixed_packet.is_some(),
            data_mode: view.data_mode & 0x0F,
            lra_valid: view.last_recorded.is_some(),
            nwa_valid: view.nwa.is_some(),
            track_start: u32_of(view.start),
            next_writable_address: u32_of(view.nwa.unwrap_or(0)),
            free_blocks: u32_of(view.free),
            fixed_packet_size: view.fixed_packet.unwrap_or(0),
            track_size: u32_of(view.size),
            last_recorded_address: u32_of(view.last_recorded.unwrap_or(0)),
            ..TrackInformation::default()
        };
        Reply::Data(info.emit().to_vec(), usize::from(command.allocation_length))
    }

    /// TOC entries of complete sessions: (session, control, track number, start).
    fn toc_tracks(&self) -> Vec<(u32, u8, u32, u64)> {
        let state = &self.state;
        if state.is_overwritable() {
            return match state.formatted_blocks {
                Some(_) => vec![(1, 4, 1, 0)],
                None => Vec::new(),
            };
        }
        let closed = state.sessions.len() as u32;
        state
            .tracks
            .iter()
            .filter(|t| t.session <= closed)
            .map(|t| {
                let control = if state.family() == Family::Cd {
                    t.track_mode & 0x0F
                } else {
                    4
                };
                (t.session, control, t.number, t.start)
            })
            .collect()
    }

    fn toc_leadout(&self) -> Option<u64> {
        if self.state.is_overwritable() {
            return self.state.formatted_blocks;
        }
        self.state.sessions.last().map(|s| s.leadout_start)
    }

    pub(super) fn read_toc(&self, command: &ReadToc) -> Reply {
        let as_msf = command.msf;
        // MMC format in byte 2; SFF-8020 drives use byte 9 b7..b6 instead, and
        // MMC drives honour it when byte 2 says 0 (mmc.md §2.7).
        let format = command.requested_format();
        let number = u32::from(command.track_session_number);
        let alloc = usize::from(command.allocation_length);
        let is_cd = self.state.family() == Family::Cd;
        let tracks = self.toc_tracks();
        let (Some(leadout), Some(first), Some(last)) =
            (self.toc_leadout(), tracks.first(), tracks.last())
        else {
            // Blank disc or nothing closed yet: no TOC.
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        };
        match format {
            TocFormat::Toc => {
                if number != u32::from(mmc::toc::LEAD_OUT_TRACK) && number > last.2 {
                    return Reply::Check(sense::INVALID_FIELD_IN_CDB);
                }
                let mut entries: Vec<TocTrack> = tracks
                    .iter()
                    .filter(|t| number != u32::from(mmc::toc::LEAD_OUT_TRACK) && t.2 >= number)
                    .map(|&(_, control, track, start)| TocTrack {
                        adr: 1,
                        control,
                        track_number: track as u8,
                        address: address(start as i64, as_msf),
                    })
                    .collect();
                entries.push(TocTrack {
                    adr: 1,
                    control: last.1,
                    track_number: mmc::toc::LEAD_OUT_TRACK,
                    address: address(leadout as i64, as_msf),
                });
                let toc = Toc {
                    first_track: first.2 as u8,
                    last_track: last.2 as u8,
                    tracks: entries,
                };
                Reply::Data(toc.emit(), alloc)
            }
            TocFormat::SessionInfo => {
                // The first track of the last complete session (mmc.md §2.7).
                let last_session = tracks.last().map(|t| t.0).unwrap_or(1);
                let track = tracks.iter().find(|t| t.0 == last_session).unwrap_or(first);
                let info = SessionInfo {
                    first_complete_session: 1,
                    last_complete_session: last_session as u8,
                    adr: 1,
                    control: track.1,
                    first_track_in_last_session: track.2 as u8,
                    last_session_start: address(track.3 as i64, as_msf),
                };
                Reply::Data(info.emit(), alloc)
            }
            TocFormat::FullToc if is_cd => Reply::Data(self.full_toc(), alloc),
            // Pressed CDs have no ATIP.
            TocFormat::Atip if is_cd && !self.state.media.is_rom() => {
                Reply::Data(self.atip(), alloc)
            }
            _ => Reply::Check(sense::INVALID_FIELD_IN_CDB),
        }
    }

    /// Full TOC (format 2): A0/A1/A2, track points, B0 while appendable, C0 in
    /// session 1 (MMC-5 6.26.3.4, mmc.md §2.7).
    fn full_toc(&self) -> Vec<u8> {
        let state = &self.state;
        let sessions = &state.sessions;
        let disc_type = 0x00;
        let zero = Msf::new(0, 0, 0);
        let mut entries = Vec::new();
        let mut entry =
            |session: u32, adr: u8, control: u8, point: u8, at: Msf, zero_byte: u8, p: Msf| {
                entries.push(FullTocEntry {
                    session: session as u8,
                    adr,
                    control,
                    tno: 0,
                    point,
                    msf: at,
                    zero: zero_byte,
                    pmsf: p,
                });
            };
        for session in sessions {
            let tracks: Vec<_> = state
                .tracks
                .iter()
                .filter(|t| t.session == session.number)
                .collect();
            let control = tracks.first().map(|t| t.track_mode & 0x0F).unwrap_or(4);
            let n = session.number;
            entry(
                n,
                1,
                control,
                0xA0,
                zero,
                0,
                Msf::new(session.first_track as u8, disc_type, 0),
            );
            entry(
                n,
                1,
                control,
                0xA1,
                zero,
                0,
                Msf::new(session.last_track as u8, 0, 0),
            );
            entry(
                n,
                1,
                control,
                0xA2,
                zero,
                0,
                msf(session.leadout_start as i64),
            );
            for track in &tracks {
                entry(
                    n,
                    1,
                    track.track_mode & 0x0F,
                    track.number as u8,
                    zero,
                    0,
                    msf(track.start as i64),
                );
            }
            let last = session.number as usize == sessions.len();
            if !(last && state.finalized) {
                // B0: next program area start, and the last possible lead-out.
                entry(
                    n,
                    5,
                    control,
                    0xB0,
                    msf(session.next_start as i64),
                    1,
                    msf(state.capacity as i64),
                );
            }
            if session.number == 1 {
                entry(
                    n,
                    5,
                    control,
                    0xC0,
                    Msf::new(0xA0, 0, 0),
                    0,
                    msf(ATIP_LEAD_IN_LBA),
                );
            }
        }
        let toc = FullToc {
            first_complete_session: 1,
            last_complete_session: sessions.len() as u8,
            entries,
        };
        toc.emit()
    }

    /// ATIP (format 4), MMC-5 6.26.3.6.
    fn atip(&self) -> Vec<u8> {
        let atip = Atip {
            indicative_target_writing_power: 5,
            reference_speed: 1,
            uru: true,
            disc_type_rw: self.state.media == MediaType::CdRw,
            disc_sub_type: 0,
            a1_valid: true,
            a2_valid: false,
            a3_valid: false,
            lead_in_start: msf(ATIP_LEAD_IN_LBA),
            last_possible_lead_out_start: msf(self.state.capacity as i64),
            // A1: lowest and highest CLV recording speed codes.
            a1: [0x1A, 0, 0],
            a2: [0; 3],
            a3: [0; 3],
        };
        atip.emit()
    }

    /// READ DISC STRUCTURE (MMC-5 6.23): format C0h, the write protection
    /// status that feature 0004h announces, for every medium (media type 0,
    /// or 1 on BD), and format 20h, the layer boundary of DL media. Other
    /// structures (DVD physical format, BD disc information, ...) are not
    /// modelled: 5/24/00.
    pub(super) fn disc_structure(&self, c: &ReadDiscStructure) -> Reply {
        let bd = self.state.family() == Family::Bd;
        match c.media_type & 0x0F {
            0 => {}
            1 if bd => {}
            1 => return Reply::Check(sense::INCOMPATIBLE_MEDIUM),
            _ => return Reply::Check(sense::INVALID_FIELD_IN_CDB),
        }
        if c.format == ReadDiscStructure::LAYER_BOUNDARY && c.media_type & 0x0F == 0 {
            let Some(l0) = self.state.media.layer_break(self.state.capacity) else {
                return Reply::Check(sense::INCOMPATIBLE_MEDIUM);
            };
            let boundary = LayerBoundary {
                // Recording fixes the boundary.
                fixed: !self.state.tracks.is_empty(),
                l0_capacity: u32_of(l0),
            };
            return Reply::Data(boundary.emit().to_vec(), usize::from(c.allocation_length));
        }
        if c.format != ReadDiscStructure::WRITE_PROTECTION {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let status = WriteProtection {
            cwp: self.cartridge_protected(),
            ..WriteProtection::default()
        };
        Reply::Data(status.emit().to_vec(), usize::from(c.allocation_length))
    }

    pub(super) fn event_status(&mut self, command: &GetEventStatusNotification) -> Reply {
        if !command.polled {
            // Asynchronous notification is not supported (mmc.md §2.3).
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let alloc = usize::from(command.allocation_length);
        let media_class = command.class_request & GetEventStatusNotification::MEDIA_CLASS != 0;
        let event = if media_class {
            std::mem::replace(&mut self.media_event, 0)
        } else {
            0
        };
        let status = MediaEventStatus {
            nea: !media_class,
            notification_class: if media_class {
                MediaEventStatus::MEDIA
            } else {
                0
            },
            supported_classes: GetEventStatusNotification::MEDIA_CLASS,
            event: MediaEventCode::from(event),
            media_present: self.present && self.removed_left == 0,
            tray_open: self.tray_open,
        };
        Reply::Data(status.emit(), alloc)
    }

    fn page05_response(&self, pc: PageControl) -> Vec<u8> {
        match pc {
            PageControl::Changeable => Self::changeable_page05().emit(),
            PageControl::Default => self.default_page05().emit(),
            _ => self.page05.emit(),
        }
    }

    fn page2a_response(&self, pc: PageControl) -> Vec<u8> {
        let mut p = vec![0u8; usize::from(PAGE2A_LENGTH) + 2];
        p[0] = 0x2A;
        p[1] = PAGE2A_LENGTH;
        if pc == PageControl::Changeable {
            return p; // nothing changeable
        }
        p[2] = 0x10 | 0x08 | 0x02 | 0x01; // reads DVD-R, DVD-ROM, CD-RW, CD-R
        p[3] = 0x10 | 0x04 | 0x02 | 0x01; // writes DVD-R, test write, CD-RW, CD-R
        p[4] = 0x80 | 0x40 | 0x10; // BUF, multi-session, mode 2 form 1
        p[6] = 0x20 | 0x08 | (u8::from(self.locked) << 1) | 0x01; // tray, eject, lock state, lock
        let write_speed: u16 = match self.state.family() {
            Family::Cd => 7_056,
            Family::Dvd => 11_080,
            Family::Bd => 26_970,
        };
        put16(&mut p, 8, write_speed);
        put16(&mut p, 12, (BUFFER_BYTES / 1024) as u16);
        put16(&mut p, 14, write_speed);
        put16(&mut p, 18, write_speed);
        put16(&mut p, 20, write_speed);
        put16(&mut p, 28, write_speed);
        put16(&mut p, 30, 1);
        put16(&mut p, 34, write_speed);
        p
    }

    pub(super) fn mode_sense(&self, command: &ModeSense10) -> Reply {
        let pc = command.page_control;
        if pc == PageControl::Saved {
            return Reply::Check(sense::SAVING_PARAMETERS_NOT_SUPPORTED);
        }
        let mut pages = Vec::new();
        match command.page_code {
            page::WRITE_PARAMETERS => pages.extend(self.page05_response(pc)),
            page::CAPABILITIES => pages.extend(self.page2a_response(pc)),
            ALL_PAGES => {
                pages.extend(self.page05_response(pc));
                pages.extend(self.page2a_response(pc));
            }
            _ => return Reply::Check(sense::INVALID_FIELD_IN_CDB),
        }
        let header = ModeHeader {
            mode_data_length: (HEADER_LEN - 2 + pages.len()) as u16,
            ..ModeHeader::default()
        };
        let mut b = header.emit().to_vec();
        b.extend(pages);
        Reply::Data(b, usize::from(command.allocation_length))
    }

    pub(super) fn format_capacities(&self) -> Vec<u8> {
        let state = &self.state;
        let mut descriptors: Vec<(u32, u8, u32)> = Vec::new();
        let capacity = u32_of(state.capacity);
        let (current_blocks, current_type) = match state.formatted_blocks {
            Some(blocks) => (u32_of(blocks), 0b10),
            None if matches!(
                state.media,
                MediaType::DvdPlusRw | MediaType::BdRe | MediaType::BdR | MediaType::DvdRw
            ) =>
            {
                (capacity, 0b01)
            }
            None => (u32_of(state.write_capacity()), 0b10),
        };
        let spared = u32_of(state.default_spared_size());
        match state.media {
            MediaType::DvdPlusRw => descriptors.push((capacity, 0x26, 0)),
            MediaType::BdRe => {
                descriptors.push((spared, 0x00, 0x3000));
                descriptors.push((spared, 0x30, 0x3000));
                descriptors.push((capacity, 0x31, 0x800));
            }
            MediaType::BdR if state.tracks.is_empty() && state.formatted_blocks.is_none() => {
                descriptors.push((spared, 0x00, 0x3000));
                descriptors.push((spared, 0x32, 0x3000));
            }
            // Full format for fixed packets of 32 blocks (MMC-5 6.24.3.2.3).
            MediaType::CdRw => descriptors.push((u32_of(state.cd_packet_capacity()), 0x10, 32)),
            MediaType::DvdRw => {
                descriptors.push((capacity, 0x00, 16));
                descriptors.push((capacity, 0x10, 16));
                descriptors.push((capacity, 0x15, 16));
                if state.restricted_overwrite {
                    descriptors.push((capacity, 0x13, 16));
                }
            }
            _ => {}
        }
        let answer = FormatCapacities {
            current: CurrentCapacity {
                blocks: current_blocks,
                descriptor_type: CapacityDescriptorType::from(current_type),
                block_length: BLOCK_BYTES as u32,
            },
            formattable: descriptors
                .into_iter()
                .map(
                    |(blocks, format_type, type_parameter)| FormattableCapacity {
                        blocks,
                        format_type,
                        type_parameter,
                    },
                )
                .collect(),
        };
        answer.emit()
    }

    pub(super) fn performance(&self, command: &GetPerformance) -> Reply {
        let max = usize::from(command.max_descriptors);
        let alloc = 8 + 16 * max;
        let kbps: u32 = match self.state.family() {
            Family::Cd => 7_056,
            Family::Dvd => 11_080,
            Family::Bd => 26_970,
        };
        let end = u32_of(self.state.write_capacity().saturating_sub(1));
        let mut b = vec![0u8; 8];
        match command.performance_type {
            0x00 => {
                b[4] = (command.data_type >> 1) & 0x02; // Write bit echoed
                let mut d = [0u8; 16];
                put32(&mut d, 4, kbps);
                put32(&mut d, 8, end);
                put32(&mut d, 12, kbps);
                b.extend_from_slice(&d);
            }
            0x03 => {
                let mut d = [0u8; 16];
                put32(&mut d, 4, end + 1);
                put32(&mut d, 8, kbps);
                put32(&mut d, 12, kbps);
                b.extend_from_slice(&d);
            }
            _ => return Reply::Check(sense::INVALID_FIELD_IN_CDB),
        }
        let len = (b.len() - 4) as u32;
        put32(&mut b, 0, len);
        Reply::Data(b, alloc)
    }
}
