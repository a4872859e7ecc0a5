//! WRITE, SYNCHRONIZE CACHE, CLOSE TRACK/SESSION and RESERVE TRACK on the medium's state:
//! where a write lands or why it is refused, tracks opened, padded, closed, sessions sealed
//! (mmc.md §2.9, §8; multisession.md §3.1).

use super::{align_up, BgFormat, MediumState, Session, Track, WriteParams, WriteTarget};
use super::{CD_MIN_TRACK_BLOCKS, CD_RUN_OUT_BLOCKS};
use crate::media::{Family, MediaType};
use mmc::sense::codes as sense;
use mmc::Sense;

impl MediumState {
    /// Decides where a WRITE of `count` blocks at `lba` goes, or refuses it
    /// with the sense a drive gives (mmc.md §2.9, §8).
    pub fn check_write(
        &self,
        lba: u64,
        count: u64,
        params: &WriteParams,
    ) -> Result<WriteTarget, Sense> {
        if self.is_overwritable() {
            let blocks = self.formatted_blocks.ok_or(sense::MEDIUM_NOT_FORMATTED)?;
            let unit = self.overwrite_unit();
            if !lba.is_multiple_of(unit) || !count.is_multiple_of(unit) {
                // Restricted overwrite: whole 32 KiB ECC blocks only; a
                // fixed-packet CD-RW: whole packets (MMC-5 6.44: the transfer
                // length a multiple of the fixed packet size).
                return Err(sense::INVALID_FIELD_IN_CDB);
            }
            if self.is_packet_formatted_cd_rw()
                && !(params.write_type == 0
                    && params.fixed_packet
                    && u64::from(params.packet_size) == unit)
            {
                // A fixed-packet CD-RW is written in packet mode with its
                // packet size set in page 05h (MMC-5 7.5.4).
                return Err(sense::ILLEGAL_MODE_FOR_TRACK);
            }
            if lba.checked_add(count).is_none_or(|end| end > blocks) {
                return Err(sense::LBA_OUT_OF_RANGE);
            }
            return Ok(WriteTarget::Random);
        }
        if self.finalized {
            return Err(sense::INVALID_WRITE_ADDRESS);
        }
        if self.uses_write_page() {
            match self.family() {
                Family::Cd => match params.write_type {
                    1 => {
                        if !matches!(params.data_block_type, 8 | 10) {
                            return Err(sense::ILLEGAL_MODE_FOR_TRACK);
                        }
                    }
                    // SAO/raw need a cue sheet this drive never received.
                    2 | 3 => return Err(sense::COMMAND_SEQUENCE_ERROR),
                    _ => return Err(sense::ILLEGAL_MODE_FOR_TRACK),
                },
                _ => match params.write_type {
                    0 if self.incremental_allowed => {}
                    2 => {
                        let dao_track = self.tracks.first().filter(|t| t.dao && t.is_open());
                        if !(self.tracks.is_empty() || dao_track.is_some()) {
                            return Err(sense::ILLEGAL_MODE_FOR_TRACK);
                        }
                    }
                    _ => return Err(sense::ILLEGAL_MODE_FOR_TRACK),
                },
            }
            if params.write_type == 0
                && params.fixed_packet
                && params.packet_size > 0
                && !count.is_multiple_of(u64::from(params.packet_size))
            {
                return Err(sense::INVALID_FIELD_IN_CDB);
            }
        }
        if matches!(
            self.media,
            MediaType::DvdPlusR | MediaType::DvdPlusRDl | MediaType::BdR
        ) && !count.is_multiple_of(self.media.write_unit())
        {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let open = self.open_session();
        let existing = self
            .tracks
            .iter()
            .position(|t| t.session == open && t.nwa() == Some(lba));
        let target = match existing {
            Some(index) => WriteTarget::Track(index),
            None => match self.invisible_track() {
                Some((number, start)) if start == lba => WriteTarget::NewTrack { number, start },
                _ => return Err(sense::INVALID_WRITE_ADDRESS),
            },
        };
        // A CD track must leave room for its 2 run-out blocks.
        let end_of_area = match self.family() {
            Family::Cd => self.write_capacity().saturating_sub(CD_RUN_OUT_BLOCKS),
            _ => self.write_capacity(),
        };
        let limit = match target {
            WriteTarget::Track(index) => match self.tracks[index].reserved {
                Some(size) => self.tracks[index].start + size,
                None => end_of_area,
            },
            _ => end_of_area,
        };
        if lba.checked_add(count).is_none_or(|end| end > limit) {
            return Err(sense::END_OF_USER_AREA);
        }
        Ok(target)
    }

    /// Records a WRITE accepted by [`MediumState::check_write`].
    pub fn apply_write(&mut self, target: WriteTarget, count: u64, params: &WriteParams) {
        match target {
            WriteTarget::Track(index) => {
                if let Some(track) = self.tracks.get_mut(index) {
                    track.written += count;
                }
            }
            WriteTarget::NewTrack { number, start } => {
                let track = self.new_track(number, start, params);
                self.tracks.push(Track {
                    written: count,
                    ..track
                });
            }
            WriteTarget::Random => {}
        }
    }

    fn new_track(&self, number: u32, start: u64, params: &WriteParams) -> Track {
        let (track_mode, data_mode, incremental, fixed_packet, dao) = if self.uses_write_page() {
            let data_mode = if params.data_block_type == 10 { 2 } else { 1 };
            let incremental = self.family() != Family::Cd && params.write_type == 0;
            let fixed = (incremental && params.fixed_packet && params.packet_size > 0)
                .then_some(params.packet_size);
            (
                params.track_mode & 0x0F,
                data_mode,
                incremental,
                fixed,
                self.family() != Family::Cd && params.write_type == 2,
            )
        } else {
            (4, 1, false, None, false)
        };
        Track {
            number,
            session: self.open_session(),
            start,
            written: 0,
            reserved: None,
            closed_size: None,
            track_mode,
            data_mode,
            incremental,
            fixed_packet,
            dao,
        }
    }

    /// What SYNCHRONIZE CACHE does to the medium: it ends a CD TAO track
    /// (mmc.md §5.1), and completes a DVD-R(W) disc-at-once recording.
    pub fn sync_cache(&mut self) {
        let family = self.family();
        let Some(last) = self.tracks.last() else {
            return;
        };
        if !last.is_open() || last.written == 0 {
            return;
        }
        if family == Family::Cd && last.reserved.is_none() {
            let index = self.tracks.len() - 1;
            self.close_track_at(index);
        } else if last.dao {
            let index = self.tracks.len() - 1;
            self.close_track_at(index);
            self.seal_session(true);
        }
    }

    fn close_track_at(&mut self, index: usize) {
        let family = self.family();
        let unit = self.media.write_unit();
        let capacity = self.write_capacity();
        if let Some(track) = self.tracks.get_mut(index) {
            // Padding never runs past the end of the medium (run-out included on CD).
            let room = match family {
                Family::Cd => capacity.saturating_sub(track.start + CD_RUN_OUT_BLOCKS),
                _ => capacity.saturating_sub(track.start),
            };
            let size = match (track.reserved, family) {
                (Some(reserved), _) => reserved,
                (None, Family::Cd) => track.written.max(CD_MIN_TRACK_BLOCKS),
                (None, _) => align_up(track.written, unit),
            };
            track.closed_size = Some(size.min(room).max(track.written));
        }
    }

    /// CLOSE TRACK (close function 001b) of track `number` (FFh: the incomplete
    /// or invisible track, where the medium allows it).
    pub fn close_track(&mut self, number: u32) -> Result<(), Sense> {
        if self.is_overwritable() || self.finalized {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let number = if number == 0xFF && self.allows_track_ff() {
            match self.tracks.last() {
                Some(t) if t.is_open() => t.number,
                _ => return Ok(()),
            }
        } else {
            number
        };
        if self.invisible_track().is_some_and(|(n, _)| n == number) {
            return Ok(()); // nothing written: nothing to close
        }
        let open = self.open_session();
        let index = self
            .tracks
            .iter()
            .position(|t| t.number == number && t.session == open)
            .ok_or(sense::INVALID_FIELD_IN_CDB)?;
        if self.tracks[index].is_open() {
            self.close_track_at(index);
        }
        Ok(())
    }

    /// CLOSE SESSION / finalize (close functions 010b, 101b, 110b, ...), per
    /// the table of mmc.md §2.11. `multi_session` is page 05h's field.
    pub fn close_session(&mut self, function: u8, multi_session: u8) -> Result<(), Sense> {
        if self.is_overwritable() {
            return match (self.media, function) {
                (MediaType::DvdPlusRw, 0b000) => {
                    if self.bg_format == BgFormat::Running {
                        self.bg_format = BgFormat::Suspended;
                    }
                    Ok(())
                }
                (MediaType::DvdPlusRw, 0b010 | 0b011) => {
                    if self.formatted_blocks.is_some() {
                        self.bg_format = BgFormat::Complete;
                    }
                    Ok(())
                }
                (MediaType::DvdRw | MediaType::CdRw, 0b010 | 0b011) | (MediaType::BdRe, 0b010) => {
                    Ok(())
                }
                _ => Err(sense::INVALID_FIELD_IN_CDB),
            };
        }
        let finalize = match (self.media, function) {
            (
                MediaType::CdR
                | MediaType::CdRw
                | MediaType::DvdR
                | MediaType::DvdRDl
                | MediaType::DvdRw,
                0b010,
            ) => multi_session != 0b11,
            (MediaType::DvdPlusR | MediaType::DvdPlusRDl, 0b010) => false,
            (MediaType::DvdPlusR | MediaType::DvdPlusRDl, 0b101 | 0b110) => true,
            (MediaType::BdR, 0b010) => false,
            (MediaType::BdR, 0b110) => true,
            _ => return Err(sense::INVALID_FIELD_IN_CDB),
        };
        if self.finalized {
            return Err(sense::SESSION_FIXATION_ERROR);
        }
        for track in self.open_session_tracks() {
            if track.is_open() {
                return Err(if track.reserved.is_some() {
                    sense::EMPTY_OR_PARTIAL_TRACK
                } else {
                    sense::INCOMPLETE_TRACK_IN_SESSION
                });
            }
        }
        if self.open_session_tracks().next().is_none() {
            // An empty session: nothing to close on CD/DVD-R; DVD+R/BD-R finalize
            // what was closed before.
            if finalize && !self.sessions.is_empty() && !self.uses_write_page() {
                self.finalized = true;
            }
            return Ok(());
        }
        self.seal_session(finalize);
        Ok(())
    }

    /// Turns the open session's (closed) tracks into a closed session.
    fn seal_session(&mut self, finalize: bool) {
        let family = self.family();
        let open = self.open_session();
        let tracks: Vec<&Track> = self.tracks.iter().filter(|t| t.session == open).collect();
        let (Some(first), Some(last)) = (tracks.first(), tracks.last()) else {
            return;
        };
        let leadout_start = align_up(last.end(family), self.media.write_unit());
        let next_start = align_up(
            leadout_start + self.media.session_gap(open),
            self.media.write_unit(),
        );
        let session = Session {
            number: open,
            first_track: first.number,
            last_track: last.number,
            start: first.start,
            leadout_start,
            next_start,
        };
        self.sessions.push(session);
        // No room for another session: the drive closes the disc (xorriso(1)).
        let full = next_start >= self.write_capacity() || last.number >= self.media.max_tracks();
        self.finalized = finalize || full || last.dao;
    }

    /// RESERVE TRACK of `blocks` (rounded up to the medium's write unit).
    pub fn reserve_track(&mut self, blocks: u64, params: &WriteParams) -> Result<(), Sense> {
        if self.is_overwritable() || self.family() == Family::Cd {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        if self.finalized {
            return Err(sense::COMMAND_SEQUENCE_ERROR);
        }
        if blocks == 0 {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let (number, start) = match self.invisible_track() {
            Some(found) => found,
            // Writing already started in the last track.
            None => {
                return Err(if self.tracks.last().is_some_and(|t| t.is_open()) {
                    sense::COMMAND_SEQUENCE_ERROR
                } else {
                    sense::NO_MORE_RESERVATIONS
                })
            }
        };
        let size = align_up(blocks, self.media.write_unit());
        if start + size > self.write_capacity() {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let track = self.new_track(number, start, params);
        self.tracks.push(Track {
            reserved: Some(size),
            ..track
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::BlockClass;
    use mmc::disc::DiscStatus;

    fn tao() -> WriteParams {
        WriteParams {
            write_type: 1,
            test_write: false,
            multi_session: 3,
            fixed_packet: false,
            track_mode: 4,
            data_block_type: 8,
            packet_size: 0,
        }
    }

    #[test]
    fn cd_tao_track_and_session_gaps() {
        let mut state = MediumState::new(MediaType::CdR, 359_849);
        let params = tao();
        let target = state.check_write(0, 608, &params).unwrap();
        state.apply_write(target, 608, &params);
        state.sync_cache();
        assert_eq!(state.tracks[0].closed_size, Some(608));
        // Next track in the same session: 2 run-out + 150 pre-gap.
        assert_eq!(state.invisible_track(), Some((2, 608 + 2 + 150)));
        state.close_session(0b010, 3).unwrap();
        // udisks #836: data ends at 608, the next session starts at 12010.
        assert_eq!(state.next_writable(), Some(12_010));
        assert_eq!(state.disc_status(), DiscStatus::Appendable);
        assert_eq!(state.session_count(), 2);
        let target = state.check_write(12_010, 5888, &params).unwrap();
        state.apply_write(target, 5888, &params);
        state.sync_cache();
        state.close_session(0b010, 3).unwrap();
        // 17898 + 2 + 6900 = 24800 (same report).
        assert_eq!(state.next_writable(), Some(24_800));
    }

    #[test]
    fn tracks_ending_at_the_end_of_the_medium_stay_valid() {
        let params = tao();
        for (media, capacity, write) in [
            (MediaType::CdR, 1_100, 1_098),
            (MediaType::CdR, 1_100, 900),
            (MediaType::DvdR, 1_100, 1_099),
        ] {
            let mut state = MediumState::new(media, capacity);
            let params = WriteParams {
                write_type: if media == MediaType::CdR { 1 } else { 0 },
                ..params
            };
            if media == MediaType::CdR {
                // Writing past the area (the CD run-out included) is refused.
                assert_eq!(
                    state.check_write(0, capacity - 1, &params),
                    Err(sense::END_OF_USER_AREA)
                );
            }
            let target = state.check_write(0, write, &params).unwrap();
            state.apply_write(target, write, &params);
            state.sync_cache();
            state.close_track(1).unwrap();
            state.close_session(0b010, 3).unwrap();
            assert_eq!(state.validate(), Ok(()), "{media} {write}");
            assert!(state.finalized, "no room for another session");
        }
    }

    #[test]
    fn short_cd_track_is_padded_and_run_out_unreadable() {
        let mut state = MediumState::new(MediaType::CdRw, 359_849);
        let params = tao();
        let target = state.check_write(0, 10, &params).unwrap();
        state.apply_write(target, 10, &params);
        state.sync_cache();
        assert_eq!(state.read_class(9), Ok(BlockClass::Data));
        assert_eq!(state.read_class(10), Ok(BlockClass::Zero));
        assert_eq!(state.read_class(300), Err(sense::UNRECOVERED_READ_ERROR));
        assert_eq!(state.read_class(302), Err(sense::LBA_OUT_OF_RANGE));
        assert_eq!(state.recorded_end(), 302);
    }
}
