//! GET CONFIGURATION (MMC-5 5.3, 6.6; mmc.md §2.2): the profile list and the
//! features of the medium in the drive, current or not, emitted with the
//! `mmc` crate's feature types.

use mmc::cdb::{GetConfiguration, RequestType};
use mmc::config::{Configuration, FeatureDescriptor};
use mmc::sense::codes as sense;
use mmc::Profile;

use super::{u32_of, Recorder, Reply};
use crate::media::{Family, MediaType};
use crate::store::BLOCK_BYTES;

/// Profiles this drive can run, newest first (GET CONFIGURATION feature 0000h).
const SUPPORTED_PROFILES: [Profile; 14] = [
    Profile::BdRe,
    Profile::BdRSrm,
    Profile::BdRom,
    Profile::DvdPlusRDl,
    Profile::DvdPlusR,
    Profile::DvdPlusRw,
    Profile::DvdRwSequential,
    Profile::DvdRwRestrictedOverwrite,
    Profile::DvdRDlSequential,
    Profile::DvdRSequential,
    Profile::DvdRom,
    Profile::CdRw,
    Profile::CdR,
    Profile::CdRom,
];

impl Recorder {
    /// Features for GET CONFIGURATION (MMC-5 5.3; mmc.md §2.2):
    /// (code, version, persistent, current, data).
    fn features(&self) -> Vec<(u16, u8, bool, bool, Vec<u8>)> {
        use mmc::config::{
            BdWrite, CdTrackAtOnce, Core, DvdPlusR, DvdPlusRDl, DvdPlusRw, DvdRWrite, Feature,
            Formattable, IncrementalStreamingWritable, Morphing, ProfileDescriptor, ProfileList,
            RandomReadable, RandomWritable, RemovableMedium, WriteProtect,
        };
        let state = &self.state;
        let present = self.present && self.removed_left == 0;
        let current_profile = if present {
            state.profile()
        } else {
            Profile::None
        };
        let family = state.family();
        let media = state.media;
        let writable = present && !state.finalized && !self.write_protected();
        let blocking: u16 = match family {
            Family::Cd => 1,
            Family::Dvd => 16,
            Family::Bd => 32,
        };
        let mut list = Vec::new();
        let mut add = |code: u16, version: u8, persistent: bool, current: bool, data: Vec<u8>| {
            list.push((code, version, persistent, current, data));
        };
        let profiles = ProfileList {
            profiles: SUPPORTED_PROFILES
                .iter()
                .map(|&p| ProfileDescriptor {
                    profile: p,
                    current: p == current_profile,
                })
                .collect(),
        };
        add(ProfileList::CODE, 0, true, true, profiles.to_data());
        add(
            Core::CODE,
            2,
            true,
            true,
            Core {
                physical_interface: 1,
                inq2: true,
                dbe: true,
            }
            .to_data(),
        );
        add(
            Morphing::CODE,
            1,
            true,
            true,
            Morphing {
                oc_event: true,
                asynchronous: false,
            }
            .to_data(),
        );
        let removable = RemovableMedium {
            loading_mechanism: 1,
            load: true,
            eject: true,
            prevent_jumper: false,
            lock: true,
        };
        add(RemovableMedium::CODE, 0, true, true, removable.to_data());
        // Write protection is reported by READ DISC STRUCTURE C0h; the
        // drive cannot set or release it (no DWP, WDCB, SPWP, SSWPP).
        add(
            WriteProtect::CODE,
            0,
            false,
            present,
            WriteProtect::default().to_data(),
        );
        let readable = RandomReadable {
            block_size: BLOCK_BYTES as u32,
            blocking,
            page_present: true,
        };
        add(RandomReadable::CODE, 0, false, present, readable.to_data());
        add(
            0x001D,
            0,
            false,
            present && family == Family::Cd,
            Vec::new(),
        ); // Multi-Read
        add(
            0x001E,
            2,
            false,
            present && family == Family::Cd,
            vec![0, 0, 0, 0],
        ); // CD Read
        add(
            0x001F,
            0,
            false,
            present && family == Family::Dvd,
            Vec::new(),
        ); // DVD Read
           // Not current on a write-protected medium (MMC-5 5.3.10: current when
           // the medium can be written at random).
        let formatted_overwritable = present
            && state.is_overwritable()
            && state.formatted_blocks.is_some()
            && !self.write_protected();
        let random_writable = RandomWritable {
            last_lba: u32_of(state.formatted_blocks.unwrap_or(0).saturating_sub(1)),
            block_size: BLOCK_BYTES as u32,
            blocking,
            page_present: true,
        };
        add(
            RandomWritable::CODE,
            0,
            false,
            formatted_overwritable,
            random_writable.to_data(),
        );
        let incremental = writable
            && match media {
                MediaType::CdR | MediaType::CdRw | MediaType::DvdR | MediaType::DvdRDl => true,
                MediaType::DvdRw => !state.restricted_overwrite && state.incremental_allowed,
                _ => false,
            };
        let streaming = IncrementalStreamingWritable {
            // Data block types 8 (Mode 1) and 10 (Mode 2 Form 1).
            data_block_types: (1 << 8) | (1 << 10),
            trio: true,
            arsv: true,
            buf: true,
            link_sizes: vec![if family == Family::Cd { 7 } else { 16 }],
        };
        add(
            IncrementalStreamingWritable::CODE,
            1,
            false,
            incremental,
            streaming.to_data(),
        );
        let formattable = present
            && match media {
                MediaType::DvdPlusRw | MediaType::BdRe | MediaType::DvdRw | MediaType::CdRw => true,
                MediaType::BdR => state.tracks.is_empty() && state.formatted_blocks.is_none(),
                _ => false,
            };
        let format_flags = Formattable {
            renosa: false,
            expand: false,
            qcert: false,
            cert: false,
            rrm: false,
        };
        add(
            Formattable::CODE,
            1,
            false,
            formattable,
            format_flags.to_data(),
        );
        add(
            0x0024,
            1,
            false,
            present && media == MediaType::BdRe,
            vec![0x80, 0, 0, 0],
        ); // defect management, SSA
        let restricted = present && media == MediaType::DvdRw && state.restricted_overwrite;
        add(0x0026, 0, false, restricted, Vec::new()); // Restricted Overwrite
        let plus_rw = DvdPlusRw {
            write: true,
            quick_start: false,
            close_only: false,
        };
        add(
            DvdPlusRw::CODE,
            0,
            false,
            present && media == MediaType::DvdPlusRw,
            plus_rw.to_data(),
        );
        let plus_r = present && matches!(media, MediaType::DvdPlusR | MediaType::DvdPlusRDl);
        add(
            DvdPlusR::CODE,
            0,
            false,
            plus_r,
            DvdPlusR { write: true }.to_data(),
        );
        add(0x002C, 0, false, restricted, vec![0x03, 0, 0, 0]); // Rigid RO: intermediate, blank
        let tao = CdTrackAtOnce {
            buf: true,
            test_write: true,
            cd_rw: true,
            data_types_supported: (1 << 8) | (1 << 10),
            ..CdTrackAtOnce::default()
        };
        add(
            CdTrackAtOnce::CODE,
            2,
            false,
            writable && family == Family::Cd,
            tao.to_data(),
        );
        let dvd_minus = writable
            && (matches!(media, MediaType::DvdR | MediaType::DvdRDl)
                || (media == MediaType::DvdRw && !state.restricted_overwrite));
        let dvd_r_write = DvdRWrite {
            buf: true,
            // The drive writes DVD-R DL (MMC-5 5.3.26).
            rdl: true,
            test_write: true,
            dvd_rw: true,
        };
        add(DvdRWrite::CODE, 1, false, dvd_minus, dvd_r_write.to_data());
        add(0x0038, 0, false, false, Vec::new()); // BD-R POW: never
        let plus_r_dl = present && media == MediaType::DvdPlusRDl;
        add(
            DvdPlusRDl::CODE,
            0,
            false,
            plus_r_dl,
            DvdPlusRDl { write: true }.to_data(),
        );
        let mut bd_read = vec![0u8; 28];
        bd_read[4..6].copy_from_slice(&[0x00, 0x0E]);
        bd_read[12..14].copy_from_slice(&[0x00, 0x06]);
        bd_read[20..22].copy_from_slice(&[0x00, 0x06]);
        add(0x0040, 0, false, present && family == Family::Bd, bd_read); // BD Read
        let bd_write = BdWrite {
            svnr: false,
            bd_re_class_versions: [0x000E, 0, 0, 0],
            bd_r_class_versions: [0x0006, 0, 0, 0],
        };
        add(
            BdWrite::CODE,
            1,
            false,
            writable && family == Family::Bd,
            bd_write.to_data(),
        );
        add(0x0107, 3, false, true, vec![0x0F, 0, 0, 0]); // Real Time Streaming: SCS, MP2A, WSPD, SW
        list
    }

    pub(super) fn get_configuration(&self, command: &GetConfiguration) -> Reply {
        let rt = command.request_type;
        let start = command.starting_feature;
        let alloc = usize::from(command.allocation_length);
        if let RequestType::Other(_) = rt {
            return Reply::Check(sense::INVALID_FIELD_IN_CDB);
        }
        let present = self.present && self.removed_left == 0;
        let profile = if present {
            self.state.profile()
        } else {
            Profile::None
        };
        let features = self
            .features()
            .into_iter()
            .filter(|&(code, _, _, current, _)| match rt {
                RequestType::All => code >= start,
                RequestType::Current => code >= start && current,
                _ => code == start,
            })
            .map(
                |(code, version, persistent, current, data)| FeatureDescriptor {
                    code,
                    version,
                    persistent,
                    current,
                    data,
                },
            )
            .collect();
        Reply::Data(Configuration::new(profile, features).emit(), alloc)
    }
}
