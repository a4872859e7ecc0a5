//! Every parser on arbitrary bytes: no panic, and what parses is emitted again
//! and parses back to the same value (answers come from devices, which may be
//! broken or hostile).

use mmc::cdb::{Command, TocFormat};
use mmc::config::{self, Configuration, Feature};
use mmc::disc::{DiscInformation, TrackInformation};
use mmc::format::{FormatCapacities, FormatUnitParameters};
use mmc::inquiry::{BufferCapacity, CapacityData, InquiryData, MediaEventStatus};
use mmc::mode::{self, CapabilitiesPage, WriteParametersPage};
use mmc::speed::{PerformanceDescriptor, WriteSpeeds};
use mmc::toc::{self, Atip, FullToc, SessionInfo, Toc};
use mmc::{ParseError, Sense};

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

/// `again` (the parse of what `x` emitted) must give `x` back: a value a parser
/// accepted survives emit and parse unchanged.
#[track_caller]
fn same_again<T: PartialEq + std::fmt::Debug, E>(what: &str, x: &T, again: Result<T, E>, b: &[u8]) {
    match again {
        Ok(y) => assert_eq!(
            &y, x,
            "{what}: emit then parse changed the value parsed from {b:02x?}"
        ),
        Err(_) => panic!("{what}: its own output does not parse (value {x:?} from {b:02x?})"),
    }
}

/// `long` is `short` followed by zeros only.
fn zero_padded(long: &[u8], short: &[u8]) -> bool {
    long.starts_with(short) && long[short.len()..].iter().all(|&b| b == 0)
}

/// The write parameters page parsed from its own emission. A page cut short
/// by the buffer is emitted at its PAGE LENGTH, the missing tail as zeros.
fn write_parameters_again(x: &WriteParametersPage) -> Result<WriteParametersPage, ParseError> {
    WriteParametersPage::parse(&x.emit()).map(|mut y| {
        if zero_padded(&y.trailing, &x.trailing) {
            y.trailing = x.trailing.clone();
        }
        y
    })
}

/// The capabilities page parsed from its own emission. Emit writes the PAGE
/// LENGTH its fields need (the value keeps the device's claim).
fn capabilities_again(x: &CapabilitiesPage) -> Result<CapabilitiesPage, ParseError> {
    CapabilitiesPage::parse(&x.emit()).map(|y| CapabilitiesPage {
        page_length: x.page_length,
        ..y
    })
}

fn exercise(b: &[u8]) {
    if let Ok(x) = Sense::parse(b) {
        let _ = x.to_string();
        same_again("Sense", &x, Sense::parse(&x.to_bytes()), b);
    }
    if let Ok(x) = Command::parse(b) {
        assert_eq!(
            Command::parse(&x.to_cdb()).map(|c| c.to_cdb()),
            Ok(x.to_cdb())
        );
    }
    if let Ok(x) = Configuration::parse(b) {
        let _ = (x.profiles(), x.writable_profiles());
        // Emit writes the real DATA LENGTH (the value keeps the device's claim)
        // and a feature's data as whole 4 bytes: zero-padded, at most 252.
        let again = Configuration::parse(&x.emit()).map(|mut y| {
            y.data_length = x.data_length;
            for (got, had) in y.features.iter_mut().zip(&x.features) {
                // (The additional length is a multiple of 4: at most 252 bytes.)
                let cut = &had.data[..had.data.len().min(252)];
                if zero_padded(&got.data, cut) {
                    got.data = had.data.clone();
                }
            }
            y
        });
        same_again("Configuration", &x, again, b);
        for f in &x.features {
            let isw = config::IncrementalStreamingWritable::from_data(&f.data);
            let again = config::IncrementalStreamingWritable::from_data(&isw.to_data());
            same_again::<_, ()>("IncrementalStreamingWritable", &isw, Ok(again), b);
            let bd = config::BdWrite::from_data(&f.data);
            same_again::<_, ()>(
                "BdWrite",
                &bd,
                Ok(config::BdWrite::from_data(&bd.to_data())),
                b,
            );
            let cd = config::CdMastering::from_data(&f.data);
            same_again::<_, ()>(
                "CdMastering",
                &cd,
                Ok(config::CdMastering::from_data(&cd.to_data())),
                b,
            );
        }
    }
    if let Ok(x) = DiscInformation::parse(b) {
        same_again("DiscInformation", &x, DiscInformation::parse(&x.emit()), b);
    }
    if let Ok(x) = TrackInformation::parse(b) {
        let _ = (x.state(), x.writable_address());
        same_again(
            "TrackInformation",
            &x,
            TrackInformation::parse(&x.emit()),
            b,
        );
    }
    if let Ok(x) = Toc::parse(b) {
        same_again("Toc", &x, Toc::parse(&x.emit()), b);
    }
    if let Ok(x) = SessionInfo::parse(b) {
        same_again("SessionInfo", &x, SessionInfo::parse(&x.emit()), b);
    }
    if let Ok(x) = FullToc::parse(b) {
        same_again("FullToc", &x, FullToc::parse(&x.emit()), b);
    }
    if let Ok(x) = Atip::parse(b) {
        same_again("Atip", &x, Atip::parse(&x.emit()), b);
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
            same_again("WriteParametersPage", &x, write_parameters_again(&x), b);
        }
    }
    if let Ok(page) = mode::first_page_with_tail(b) {
        if let Ok(x) = CapabilitiesPage::parse(page) {
            same_again("CapabilitiesPage", &x, capabilities_again(&x), b);
        }
    }
    if let Ok(x) = WriteParametersPage::parse(b) {
        same_again("WriteParametersPage", &x, write_parameters_again(&x), b);
    }
    if let Ok(x) = CapabilitiesPage::parse(b) {
        same_again("CapabilitiesPage", &x, capabilities_again(&x), b);
    }
    if let Ok(x) = FormatCapacities::parse(b) {
        same_again(
            "FormatCapacities",
            &x,
            FormatCapacities::parse(&x.emit()),
            b,
        );
    }
    if let Ok(x) = FormatUnitParameters::parse(b) {
        same_again(
            "FormatUnitParameters",
            &x,
            FormatUnitParameters::parse(&x.emit()),
            b,
        );
    }
    if let Ok(x) = InquiryData::parse(b) {
        same_again("InquiryData", &x, InquiryData::parse(&x.emit()), b);
    }
    if let Ok(x) = CapacityData::parse(b) {
        let _ = x.block_count();
        same_again("CapacityData", &x, CapacityData::parse(&x.emit()), b);
    }
    if let Ok(x) = MediaEventStatus::parse(b) {
        same_again(
            "MediaEventStatus",
            &x,
            MediaEventStatus::parse(&x.emit()),
            b,
        );
    }
    if let Ok(x) = BufferCapacity::parse(b) {
        same_again("BufferCapacity", &x, BufferCapacity::parse(&x.emit()), b);
    }
    if let Ok(x) = PerformanceDescriptor::parse(b) {
        same_again(
            "PerformanceDescriptor",
            &x,
            PerformanceDescriptor::parse(&x.emit()),
            b,
        );
    }
    if let Ok(x) = WriteSpeeds::parse(b) {
        same_again("WriteSpeeds", &x, WriteSpeeds::parse(&x.emit()), b);
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
