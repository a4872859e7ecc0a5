//! The Volume Recognition Sequence (ECMA-167 2/9): 2048-byte Volume Structure
//! Descriptors from byte 32768 of a session on. UDF needs BEA01, then NSR02
//! (UDF ≤ 1.50) or NSR03 (≥ 2.00), then TEA01, with no gap: readers stop at
//! the first sector that is not a descriptor (udf.md 1.4).

/// A Volume Structure Descriptor's kind, from its standard identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vsd {
    /// An ECMA-119 volume descriptor (`CD001`), part of a bridge.
    Cd001,
    Bea01,
    Nsr02,
    Nsr03,
    Tea01,
    Boot2,
    Cdw02,
}

impl Vsd {
    fn identifier(self) -> &'static [u8; 5] {
        match self {
            Vsd::Cd001 => b"CD001",
            Vsd::Bea01 => b"BEA01",
            Vsd::Nsr02 => b"NSR02",
            Vsd::Nsr03 => b"NSR03",
            Vsd::Tea01 => b"TEA01",
            Vsd::Boot2 => b"BOOT2",
            Vsd::Cdw02 => b"CDW02",
        }
    }

    /// Identifies the descriptor at the start of `sector`: structure type 0
    /// (any for CD001), a known identifier and version 1. `None` ends a scan.
    pub fn identify(sector: &[u8]) -> Option<Vsd> {
        let id = sector.get(1..6)?;
        let version = *sector.get(6)?;
        let kind = [
            Vsd::Cd001,
            Vsd::Bea01,
            Vsd::Nsr02,
            Vsd::Nsr03,
            Vsd::Tea01,
            Vsd::Boot2,
            Vsd::Cdw02,
        ]
        .into_iter()
        .find(|k| k.identifier() == id)?;
        if kind != Vsd::Cd001 && (sector[0] != 0 || version != 1) {
            return None;
        }
        Some(kind)
    }

    /// Writes the descriptor into a zeroed 2048-byte `sector`.
    pub fn emit(self, sector: &mut [u8]) {
        sector[..2048].fill(0);
        sector[1..6].copy_from_slice(self.identifier());
        sector[6] = 1;
    }
}

/// Where a recognition scan found UDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recognised {
    /// `Nsr02` or `Nsr03`.
    pub nsr: Vsd,
}

/// Scans consecutive VSD sectors (the first at session + 16) as Linux does:
/// skips CD001, BEA01, BOOT2 and CDW02, stops at TEA01 or anything unknown,
/// and reports the NSR descriptor if one came first.
pub fn scan<'a>(sectors: impl IntoIterator<Item = &'a [u8]>) -> Option<Recognised> {
    let mut nsr = None;
    for sector in sectors {
        match Vsd::identify(sector) {
            Some(Vsd::Nsr02) | Some(Vsd::Nsr03) => nsr = Vsd::identify(sector),
            Some(Vsd::Tea01) | None => break,
            Some(_) => {}
        }
    }
    nsr.map(|nsr| Recognised { nsr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emit_identify_and_scan() {
        let mut bea = vec![0u8; 2048];
        Vsd::Bea01.emit(&mut bea);
        assert_eq!(&bea[..7], b"\0BEA01\x01");
        let mut nsr = vec![0u8; 2048];
        Vsd::Nsr03.emit(&mut nsr);
        let mut tea = vec![0u8; 2048];
        Vsd::Tea01.emit(&mut tea);
        let mut cd = vec![0u8; 2048];
        cd[0] = 255;
        cd[1..6].copy_from_slice(b"CD001");
        cd[6] = 1;
        let blank = vec![0u8; 2048];
        assert_eq!(Vsd::identify(&cd), Some(Vsd::Cd001));
        let found = scan([&cd[..], &bea, &nsr, &tea]);
        assert_eq!(found, Some(Recognised { nsr: Vsd::Nsr03 }));
        // A blank sector before the NSR descriptor ends the scan.
        assert_eq!(scan([&cd[..], &blank, &bea, &nsr]), None);
        let mut bad_version = nsr.clone();
        bad_version[6] = 2;
        assert_eq!(Vsd::identify(&bad_version), None);
    }
}
