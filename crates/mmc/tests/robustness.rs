//! Every parser on arbitrary bytes: no panic, and what parses can be emitted
//! again (answers come from devices, which may be broken or hostile).

use mmc::cdb::{Command, TocFormat};
use mmc::config::{self, Configuration, Feature};
use mmc::disc::{DiscInformation, TrackInformation};
use mmc::format::{FormatCapacities, FormatUnitParameters};
use mmc::inquiry::{BufferCapacity, CapacityData, InquiryData, MediaEventStatus};
use mmc::mode::{self, CapabilitiesPage, WriteParametersPage};
use mmc::speed::{PerformanceDescriptor, WriteSpeeds};
use mmc::toc::{self, Atip, FullToc, SessionInfo, Toc};
use mmc::Sense;

/// xorshift64*: deterministic bytes without a dependency.
struct Bytes(u64);

impl Bytes {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            *b = (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8;
        }
    }
}

fn exercise(b: &[u8]) {
    if let Ok(x) = Sense::parse(b) {
        let _ = (x.to_bytes(), x.to_string());
    }
    if let Ok(x) = Command::parse(b) {
        assert_eq!(
            Command::parse(&x.to_cdb()).map(|c| c.to_cdb()),
            Ok(x.to_cdb())
        );
    }
    if let Ok(x) = Configuration::parse(b) {
        let _ = (x.emit(), x.profiles(), x.writable_profiles());
        for f in &x.features {
            let _ = config::IncrementalStreamingWritable::from_data(&f.data).to_data();
            let _ = config::BdWrite::from_data(&f.data).to_data();
            let _ = config::CdMastering::from_data(&f.data).to_data();
        }
    }
    if let Ok(x) = DiscInformation::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = TrackInformation::parse(b) {
        let _ = (x.emit(), x.state(), x.writable_address());
    }
    if let Ok(x) = Toc::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = SessionInfo::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = FullToc::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = Atip::parse(b) {
        let _ = x.emit();
    }
    for format in [
        TocFormat::Toc,
        TocFormat::SessionInfo,
        TocFormat::FullToc,
        TocFormat::Atip,
    ] {
        let _ = toc::has_format_shape(b, format);
    }
    if let Ok(page) = mode::first_page(b) {
        if let Ok(x) = WriteParametersPage::parse(page) {
            let _ = x.emit();
        }
    }
    if let Ok(page) = mode::first_page_with_tail(b) {
        if let Ok(x) = CapabilitiesPage::parse(page) {
            let _ = x.emit();
        }
    }
    if let Ok(x) = WriteParametersPage::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = CapabilitiesPage::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = FormatCapacities::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = FormatUnitParameters::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = InquiryData::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = CapacityData::parse(b) {
        let _ = (x.emit(), x.block_count());
    }
    if let Ok(x) = MediaEventStatus::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = BufferCapacity::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = PerformanceDescriptor::parse(b) {
        let _ = x.emit();
    }
    if let Ok(x) = WriteSpeeds::parse(b) {
        let _ = x.emit();
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut gen = Bytes(0x9E37_79B9_7F4A_7C15);
    let mut buf = vec![0u8; 300];
    for len in 0..300 {
        for _ in 0..40 {
            gen.fill(&mut buf[..len]);
            exercise(&buf[..len]);
            // Plausible headers make the parsers go deeper.
            if len >= 8 {
                buf[0] = [0x70, 0x72, 0x2A, 0x5A, 0x43][len % 5];
                buf[1] = (len as u8).wrapping_sub(2);
                exercise(&buf[..len]);
                buf[0] = 0;
                buf[1] = 0;
                buf[2] = 0;
                buf[3] = (len as u8).wrapping_sub(4);
                exercise(&buf[..len]);
            }
        }
    }
}
