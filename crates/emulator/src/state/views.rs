//! What READ TRACK INFORMATION reports about the medium: one view per track, the
//! invisible track after them, and the single track of an overwritable medium.

use super::{MediumState, Track, TrackView};
use crate::media::{Family, MediaType};

impl MediumState {
    fn invisible_view(&self, number: u32, start: u64) -> TrackView {
        let free = self.write_capacity().saturating_sub(start);
        let incremental =
            self.uses_write_page() && self.family() != Family::Cd && self.incremental_allowed;
        TrackView {
            number,
            session: self.open_session(),
            start,
            size: free,
            free,
            nwa: Some(start),
            last_recorded: None,
            blank: true,
            reserved: false,
            incremental,
            fixed_packet: None,
            track_mode: if incremental { 5 } else { 4 },
            data_mode: 0x0F,
            state: "invisible",
        }
    }

    fn view_of(&self, track: &Track) -> TrackView {
        let family = self.family();
        let nwa = track.nwa();
        let (size, free) = match (track.is_open(), track.reserved) {
            (true, Some(reserved)) => (reserved, reserved - track.written),
            (true, None) => {
                let to_end = self.write_capacity().saturating_sub(track.start);
                (to_end, to_end.saturating_sub(track.written))
            }
            (false, _) => (track.size(family), 0),
        };
        let state = match (track.is_open(), track.reserved.is_some()) {
            (false, _) => "complete",
            (true, true) => "reserved",
            (true, false) => "incomplete",
        };
        TrackView {
            number: track.number,
            session: track.session,
            start: track.start,
            size,
            free,
            nwa,
            last_recorded: (track.written > 0).then(|| track.start + track.written - 1),
            blank: track.written == 0,
            reserved: track.reserved.is_some(),
            incremental: track.incremental,
            fixed_packet: track.fixed_packet,
            track_mode: track.track_mode,
            data_mode: track.data_mode,
            state,
        }
    }

    fn overwritable_view(&self) -> TrackView {
        let (size, formatted) = match self.formatted_blocks {
            Some(blocks) => (blocks, true),
            None => (self.capacity, false),
        };
        TrackView {
            number: 1,
            session: 1,
            start: 0,
            size,
            free: size,
            nwa: Some(0),
            last_recorded: None,
            blank: !formatted,
            reserved: false,
            // A packet-formatted CD-RW is one fixed-packet track (Packet, FP).
            incremental: self.media == MediaType::CdRw,
            fixed_packet: match self.media {
                MediaType::DvdRw | MediaType::CdRw => Some(self.overwrite_unit() as u32),
                _ => None,
            },
            track_mode: if matches!(self.media, MediaType::DvdRw | MediaType::CdRw) {
                5
            } else {
                4
            },
            data_mode: 1,
            state: if formatted { "complete" } else { "blank" },
        }
    }

    /// Every track as READ TRACK INFORMATION reports it, the invisible one last.
    pub fn track_views(&self) -> Vec<TrackView> {
        if self.is_overwritable() {
            return vec![self.overwritable_view()];
        }
        let mut views: Vec<TrackView> = self.tracks.iter().map(|t| self.view_of(t)).collect();
        if let Some((number, start)) = self.invisible_track() {
            views.push(self.invisible_view(number, start));
        }
        views
    }

    /// The track READ TRACK INFORMATION addresses by number (FFh resolved by the caller).
    pub fn track_view(&self, number: u32) -> Option<TrackView> {
        self.track_views().into_iter().find(|v| v.number == number)
    }

    /// The track containing `lba` (blocks of a gap belong to the track after it).
    pub fn track_view_at(&self, lba: u64) -> Option<TrackView> {
        self.track_views()
            .into_iter()
            .find(|v| lba < v.start + v.size.max(1))
    }
}
