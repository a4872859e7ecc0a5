//! Login key negotiation (RFC 7143 §6 and §13): what the target answers to each
//! key an initiator offers, and the session parameters that result.
//!
//! The target has no authentication (AuthMethod=None only), no digests, one
//! connection per session, error recovery level 0, in-order data, and always
//! asks for write data with R2T (InitialR2T=Yes) while accepting immediate data.

/// Limits of this target, declared or offered during login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest data segment this target receives (declared, §13.12).
    pub max_recv_data_segment_length: u32,
    /// Largest burst of data (offered; the result is the minimum, §13.13).
    pub max_burst_length: u32,
    /// Largest immediate + unsolicited data (offered; minimum, §13.14).
    pub first_burst_length: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_recv_data_segment_length: 256 * 1024,
            max_burst_length: 1024 * 1024,
            first_burst_length: 64 * 1024,
        }
    }
}

/// The session's parameters after negotiation; RFC 7143 defaults until a key changes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// The initiator's declared MaxRecvDataSegmentLength: caps each Data-In and Text Response.
    pub initiator_max_recv_data_segment_length: u32,
    pub max_burst_length: u32,
    pub first_burst_length: u32,
    pub immediate_data: bool,
    pub initial_r2t: bool,
}

impl Default for Params {
    /// The defaults of RFC 7143 §13 (8192, 262144, 65536, Yes, Yes).
    fn default() -> Params {
        Params {
            initiator_max_recv_data_segment_length: 8192,
            max_burst_length: 262_144,
            first_burst_length: 65_536,
            immediate_data: true,
            initial_r2t: true,
        }
    }
}

/// Why a login cannot go on: the Status-Class and Status-Detail to answer (§11.13.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub class: u8,
    pub detail: u8,
    /// For the target's log.
    pub reason: String,
}

impl Refusal {
    pub fn initiator_error(detail: u8, reason: impl Into<String>) -> Refusal {
        Refusal {
            class: 2,
            detail,
            reason: reason.into(),
        }
    }

    pub fn target_error(detail: u8, reason: impl Into<String>) -> Refusal {
        Refusal {
            class: 3,
            detail,
            reason: reason.into(),
        }
    }
}

/// Status details of class 2 and 3 used here.
pub mod status {
    pub const AUTHENTICATION_FAILURE: u8 = 0x01;
    pub const NOT_FOUND: u8 = 0x03;
    pub const UNSUPPORTED_VERSION: u8 = 0x05;
    pub const MISSING_PARAMETER: u8 = 0x07;
    pub const SESSION_TYPE_NOT_SUPPORTED: u8 = 0x09;
    pub const SESSION_DOES_NOT_EXIST: u8 = 0x0a;
    pub const INVALID_DURING_LOGIN: u8 = 0x0b;
    /// Class 3: the target's resources (here: its one LUN) are taken.
    pub const OUT_OF_RESOURCES: u8 = 0x02;
}

fn number(key: &str, value: &str) -> Result<u32, Refusal> {
    value
        .parse()
        .map_err(|_| Refusal::initiator_error(0, format!("{key}={value}: not a number")))
}

fn boolean(key: &str, value: &str) -> Result<bool, Refusal> {
    match value {
        "Yes" => Ok(true),
        "No" => Ok(false),
        _ => Err(Refusal::initiator_error(
            0,
            format!("{key}={value}: neither Yes nor No"),
        )),
    }
}

fn yes_no(on: bool) -> String {
    if on { "Yes" } else { "No" }.to_string()
}

/// Answers one operational or security key and updates `params`. `Ok(None)`
/// means the key needs no answer (declarations such as InitiatorName).
/// Keys this target does not know get `NotUnderstood` (§6.2.1).
pub fn answer(
    key: &str,
    value: &str,
    limits: &Limits,
    params: &mut Params,
) -> Result<Option<String>, Refusal> {
    let reply = match key {
        // Declarations and session identity: recorded by the caller, not answered.
        "InitiatorName" | "InitiatorAlias" | "SessionType" | "TargetName" => return Ok(None),
        "MaxRecvDataSegmentLength" => {
            // Declarative (§13.12): 512 to 2^24-1.
            params.initiator_max_recv_data_segment_length =
                number(key, value)?.clamp(512, (1 << 24) - 1);
            return Ok(None);
        }
        // A list of methods: this target offers only None (§12.1).
        "AuthMethod" => {
            if value.split(',').any(|m| m == "None") {
                "None".to_string()
            } else {
                return Err(Refusal::initiator_error(
                    status::AUTHENTICATION_FAILURE,
                    format!("AuthMethod={value}: this target only offers None"),
                ));
            }
        }
        // Digests are lists too (§13.1); CRC32C is not offered.
        "HeaderDigest" | "DataDigest" => {
            if value.split(',').any(|m| m == "None") {
                "None".to_string()
            } else {
                "Reject".to_string()
            }
        }
        // Result functions of §13: min, max, OR, AND against this target's value.
        "MaxConnections" => number(key, value)?.min(1).to_string(),
        "InitialR2T" => {
            boolean(key, value)?;
            params.initial_r2t = true; // OR with our Yes
            yes_no(true)
        }
        "ImmediateData" => {
            params.immediate_data = boolean(key, value)?; // AND with our Yes
            yes_no(params.immediate_data)
        }
        "MaxBurstLength" => {
            params.max_burst_length = number(key, value)?.clamp(512, limits.max_burst_length);
            params.max_burst_length.to_string()
        }
        "FirstBurstLength" => {
            params.first_burst_length = number(key, value)?.clamp(512, limits.first_burst_length);
            params.first_burst_length.to_string()
        }
        "DefaultTime2Wait" => number(key, value)?.max(2).to_string(),
        "DefaultTime2Retain" => {
            number(key, value)?;
            "0".to_string()
        }
        "MaxOutstandingR2T" => number(key, value)?.min(1).to_string(),
        "DataPDUInOrder" | "DataSequenceInOrder" => {
            boolean(key, value)?;
            yes_no(true)
        }
        "ErrorRecoveryLevel" => {
            number(key, value)?;
            "0".to_string()
        }
        // RFC 3720 markers, dropped by RFC 7143 but still sent by some initiators.
        "IFMarker" | "OFMarker" => yes_no(false),
        "IFMarkInt" | "OFMarkInt" => "Irrelevant".to_string(),
        _ => "NotUnderstood".to_string(),
    };
    Ok(Some(reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer_all(offer: &[(&str, &str)]) -> (Vec<(String, String)>, Params) {
        let mut params = Params::default();
        let limits = Limits::default();
        let mut replies = Vec::new();
        for (key, value) in offer {
            if let Some(reply) = answer(key, value, &limits, &mut params).unwrap() {
                replies.push((key.to_string(), reply));
            }
        }
        (replies, params)
    }

    #[test]
    fn operational_offer_of_an_initiator() {
        // What libiscsi offers in its operational stage.
        let (replies, params) = answer_all(&[
            ("HeaderDigest", "None,CRC32C"),
            ("DataDigest", "None"),
            ("DefaultTime2Wait", "2"),
            ("DefaultTime2Retain", "0"),
            ("IFMarker", "No"),
            ("OFMarker", "No"),
            ("ErrorRecoveryLevel", "0"),
            ("InitialR2T", "No"),
            ("ImmediateData", "Yes"),
            ("MaxBurstLength", "16776192"),
            ("FirstBurstLength", "262144"),
            ("MaxOutstandingR2T", "1"),
            ("MaxConnections", "1"),
            ("DataPDUInOrder", "Yes"),
            ("DataSequenceInOrder", "Yes"),
            ("MaxRecvDataSegmentLength", "262144"),
        ]);
        let replies: Vec<(&str, &str)> = replies
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            replies,
            [
                ("HeaderDigest", "None"),
                ("DataDigest", "None"),
                ("DefaultTime2Wait", "2"),
                ("DefaultTime2Retain", "0"),
                ("IFMarker", "No"),
                ("OFMarker", "No"),
                ("ErrorRecoveryLevel", "0"),
                ("InitialR2T", "Yes"),
                ("ImmediateData", "Yes"),
                ("MaxBurstLength", "1048576"),
                ("FirstBurstLength", "65536"),
                ("MaxOutstandingR2T", "1"),
                ("MaxConnections", "1"),
                ("DataPDUInOrder", "Yes"),
                ("DataSequenceInOrder", "Yes"),
            ]
        );
        assert_eq!(
            params,
            Params {
                initiator_max_recv_data_segment_length: 262_144,
                max_burst_length: 1 << 20,
                first_burst_length: 65_536,
                immediate_data: true,
                initial_r2t: true,
            }
        );
    }

    #[test]
    fn digests_and_unknown_keys() {
        let (replies, _) = answer_all(&[("HeaderDigest", "CRC32C"), ("X-com.example.foo", "1")]);
        assert_eq!(replies[0].1, "Reject");
        assert_eq!(replies[1].1, "NotUnderstood");
    }

    #[test]
    fn immediate_data_no_wins() {
        let (_, params) = answer_all(&[("ImmediateData", "No")]);
        assert!(!params.immediate_data);
    }

    #[test]
    fn chap_only_is_refused() {
        let err = answer(
            "AuthMethod",
            "CHAP",
            &Limits::default(),
            &mut Params::default(),
        )
        .unwrap_err();
        assert_eq!((err.class, err.detail), (2, status::AUTHENTICATION_FAILURE));
        assert!(err.reason.contains("CHAP"));
    }

    #[test]
    fn bad_values_are_refused() {
        let mut params = Params::default();
        let limits = Limits::default();
        assert!(answer("MaxBurstLength", "lots", &limits, &mut params).is_err());
        assert!(answer("InitialR2T", "Maybe", &limits, &mut params).is_err());
    }
}
