//! BLANK and FORMAT UNIT on the medium's state: what each media type accepts and what
//! is erased (mmc.md §2.13, §3).

use super::{BgFormat, MediumState, CD_FIXED_PACKET_BLOCKS, CD_PACKET_LINK_BLOCKS};
use crate::media::MediaType;
use mmc::sense::codes as sense;
use mmc::Sense;

impl MediumState {
    /// BLANK: 000b full, 001b minimal. Returns whether the data must be erased.
    pub fn blank(&mut self, blank_type: u8) -> Result<bool, Sense> {
        if !matches!(self.media, MediaType::CdRw | MediaType::DvdRw) {
            return Err(sense::INCOMPATIBLE_MEDIUM);
        }
        let full = match blank_type {
            0b000 => true,
            0b001 => false,
            _ => return Err(sense::INVALID_FIELD_IN_CDB),
        };
        self.tracks.clear();
        self.sessions.clear();
        self.finalized = false;
        self.formatted_blocks = None;
        self.restricted_overwrite = false;
        // Only a full blank restores incremental recording on DVD-RW (mmc.md §2.13).
        self.incremental_allowed = full || self.media != MediaType::DvdRw;
        Ok(full)
    }

    /// Formatted size with default spares: BD-RE 25 GB 11 826 176 of 12 219 392
    /// blocks (mmc.md §3), scaled for other capacities, in whole clusters.
    pub fn default_spared_size(&self) -> u64 {
        let scaled = u128::from(self.capacity) * 11_826_176 / 12_219_392;
        (scaled as u64) / 32 * 32
    }

    /// User blocks of a CD-RW formatted for fixed packets: whole packets of 32
    /// blocks, each costing 7 more (addressed contiguously, MMC-5 4.2.3.7
    /// "method 2"): 359 849 blocks give 295 232.
    pub fn cd_packet_capacity(&self) -> u64 {
        let per_packet = CD_FIXED_PACKET_BLOCKS + CD_PACKET_LINK_BLOCKS;
        self.capacity / per_packet * CD_FIXED_PACKET_BLOCKS
    }

    /// FORMAT UNIT with one format descriptor (`type_parameter`: bytes 9-11). Returns whether old data is erased.
    pub fn format(
        &mut self,
        blocks: u32,
        format_type: u8,
        sub_type: u8,
        type_parameter: u32,
    ) -> Result<bool, Sense> {
        let restart = type_parameter & 0x01 != 0;
        let was_formatted = self.formatted_blocks.is_some();
        match self.media {
            MediaType::DvdPlusRw => {
                if format_type != 0x26 {
                    return Err(sense::INVALID_FIELD_IN_PARAMETERS);
                }
                if restart && self.bg_format != BgFormat::Suspended {
                    return Err(sense::INVALID_FIELD_IN_PARAMETERS);
                }
                self.formatted_blocks = Some(self.capacity);
                self.bg_format = BgFormat::Running;
                Ok(!was_formatted)
            }
            MediaType::BdRe => {
                let size = match format_type {
                    0x00 | 0x30 => match blocks {
                        0 => self.default_spared_size(),
                        n => u64::from(n).min(self.capacity),
                    },
                    0x31 => self.capacity,
                    _ => return Err(sense::INVALID_FIELD_IN_PARAMETERS),
                };
                self.formatted_blocks = Some(size);
                Ok(!was_formatted)
            }
            MediaType::BdR => {
                if !matches!(format_type, 0x00 | 0x32) || sub_type != 0b01 {
                    // Only SRM without pseudo-overwrite is emulated.
                    return Err(sense::INVALID_FIELD_IN_PARAMETERS);
                }
                if !self.tracks.is_empty() || was_formatted {
                    return Err(sense::COMMAND_SEQUENCE_ERROR);
                }
                let size = match blocks {
                    0 => self.default_spared_size(),
                    n => u64::from(n).min(self.capacity),
                };
                self.formatted_blocks = Some(size);
                Ok(false)
            }
            MediaType::DvdRw => {
                match format_type {
                    0x00 | 0x10 | 0x15 => {}
                    0x13 if self.restricted_overwrite => {}
                    _ => return Err(sense::INVALID_FIELD_IN_PARAMETERS),
                }
                let erase = !self.restricted_overwrite;
                self.tracks.clear();
                self.sessions.clear();
                self.finalized = false;
                self.restricted_overwrite = true;
                self.formatted_blocks = Some(self.capacity);
                Ok(erase)
            }
            MediaType::CdRw => {
                // Full format for fixed packets of 32 blocks only (MMC-5 6.5,
                // type 10h; the type parameter is the packet size).
                if format_type != 0x10 || type_parameter != CD_FIXED_PACKET_BLOCKS as u32 {
                    return Err(sense::INVALID_FIELD_IN_PARAMETERS);
                }
                self.tracks.clear();
                self.sessions.clear();
                self.finalized = false;
                self.formatted_blocks = Some(self.cd_packet_capacity());
                Ok(true)
            }
            _ => Err(sense::CANNOT_FORMAT_MEDIUM),
        }
    }
}
