//! The drive's write buffer: WRITE commands fill it, the laser drains it onto
//! the disc at the write speed. When it runs dry in the middle of a track the
//! recording would stop — a **buffer underrun**; a drive with buffer-underrun
//! protection (BUFE in page 05h) pauses and resumes instead, and the emulator
//! counts the event. When it is full, a WRITE waits for room, so the host is
//! held to the disc's speed.
//!
//! Without a write speed (none set, or "fastest" on a drive whose fastest is
//! not modelled) nothing drains in real time: the buffer never fills, never
//! underruns and never slows anyone down. No I/O here: time comes in as an
//! argument, so tests drive the clock.

use std::time::{Duration, Instant};

/// Size of the emulated drive's buffer (a common size for current recorders).
pub const BUFFER_BYTES: u64 = 4 << 20;

/// The buffer between the host and the laser.
#[derive(Debug, Clone)]
pub struct DriveBuffer {
    capacity: u64,
    /// Bytes per second written onto the disc; `None`: not modelled.
    speed: Option<u64>,
    /// Bytes waiting to be written, as of `at`.
    fill: f64,
    at: Option<Instant>,
    /// A track is being recorded (from its first WRITE to SYNCHRONIZE CACHE).
    recording: bool,
    underruns: u64,
}

impl Default for DriveBuffer {
    fn default() -> Self {
        DriveBuffer::new(BUFFER_BYTES)
    }
}

impl DriveBuffer {
    pub fn new(capacity: u64) -> DriveBuffer {
        DriveBuffer {
            capacity,
            speed: None,
            fill: 0.0,
            at: None,
            recording: false,
            underruns: 0,
        }
    }

    /// Sets the write speed in bytes per second (`None`: not modelled).
    pub fn set_speed(&mut self, bytes_per_second: Option<u64>) {
        self.speed = bytes_per_second.filter(|&s| s > 0);
    }

    pub fn speed(&self) -> Option<u64> {
        self.speed
    }

    /// Drains what the laser wrote since the last event; an empty buffer in
    /// the middle of a track is an underrun (counted once per dry spell).
    fn drain(&mut self, now: Instant) {
        let (Some(speed), Some(at)) = (self.speed, self.at) else {
            self.at = Some(now);
            return;
        };
        let drained = now.saturating_duration_since(at).as_secs_f64() * speed as f64;
        if self.recording && self.fill > 0.0 && drained > self.fill {
            self.underruns += 1;
        }
        self.fill = (self.fill - drained).max(0.0);
        self.at = Some(now);
    }

    /// A WRITE of `bytes` arrives at `now`: returns how long it must wait for
    /// room in the buffer before the drive takes it.
    pub fn write(&mut self, now: Instant, bytes: u64) -> Duration {
        self.drain(now);
        let Some(speed) = self.speed else {
            return Duration::ZERO;
        };
        // A track's first write starts the recording; running dry later counts.
        self.recording = true;
        let after = self.fill + bytes as f64;
        let excess = after - self.capacity as f64;
        self.fill = after.min(self.capacity as f64);
        if excess > 0.0 {
            // The drive accepts the data once the laser has made room.
            Duration::from_secs_f64(excess / speed as f64)
        } else {
            Duration::ZERO
        }
    }

    /// SYNCHRONIZE CACHE or CLOSE: everything is written, the track ends.
    pub fn flush(&mut self, now: Instant) {
        self.drain(now);
        self.fill = 0.0;
        self.recording = false;
    }

    /// Bytes free in the buffer at `now` (READ BUFFER CAPACITY).
    pub fn available(&mut self, now: Instant) -> u64 {
        self.drain(now);
        self.capacity - self.fill.round() as u64
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Underruns counted since the medium was opened.
    pub fn underruns(&self) -> u64 {
        self.underruns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_host_never_underruns_and_is_held_to_the_disc_speed() {
        let mut buffer = DriveBuffer::new(1000);
        buffer.set_speed(Some(100)); // 100 bytes per second
        let t0 = Instant::now();
        assert_eq!(buffer.write(t0, 600), Duration::ZERO);
        // 600 more at once: 200 do not fit, 2 s until the laser made room.
        assert_eq!(buffer.write(t0, 600), Duration::from_secs(2));
        assert_eq!(buffer.available(t0 + Duration::from_secs(2)), 200);
        assert_eq!(buffer.underruns(), 0);
    }

    #[test]
    fn a_slow_host_underruns_once_per_dry_spell() {
        let mut buffer = DriveBuffer::new(1000);
        buffer.set_speed(Some(100));
        let t0 = Instant::now();
        buffer.write(t0, 100); // drains in 1 s
        buffer.write(t0 + Duration::from_millis(500), 100);
        assert_eq!(buffer.underruns(), 0);
        // 3 s later the buffer has been dry for 1.5 s: one underrun.
        buffer.write(t0 + Duration::from_millis(3500), 100);
        assert_eq!(buffer.underruns(), 1);
        buffer.flush(t0 + Duration::from_secs(4));
        // A pause between tracks is no underrun.
        buffer.write(t0 + Duration::from_secs(60), 100);
        assert_eq!(buffer.underruns(), 1);
    }

    #[test]
    fn without_a_speed_nothing_is_modelled() {
        let mut buffer = DriveBuffer::new(1000);
        let t0 = Instant::now();
        assert_eq!(buffer.write(t0, 5000), Duration::ZERO);
        assert_eq!(
            buffer.write(t0 + Duration::from_secs(100), 10),
            Duration::ZERO
        );
        assert_eq!(buffer.underruns(), 0);
        assert_eq!(buffer.available(t0), 1000);
    }
}
