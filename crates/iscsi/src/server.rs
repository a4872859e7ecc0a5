//! The thin socket loop around [`Connection`]: accepts TCP connections, reads
//! whole PDUs, hands them to the state machine and writes back what it
//! returns. One thread per connection; the device sits behind a mutex and
//! belongs to one normal session at a time, so a second initiator's login is
//! refused ("out of resources") with the first one named in the log.

use std::io::{BufReader, BufWriter, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mmc::{CommandOutcome, DataDirection, Transport, TransportError};

use crate::connection::{Backend, Connection, TargetConfig};
use crate::pdu::{Pdu, BHS_LEN};
use crate::Error;

/// Largest AHS accepted (extended CDBs would fit several times over).
const MAX_AHS: usize = 1024;

type SessionEndHook<T> = Box<dyn Fn(&mut T) + Send + Sync>;
type EventHook = Box<dyn Fn(&Event) + Send + Sync>;

/// What happened to a connection, for the server's user to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An initiator logged in; `normal` is false for a discovery session.
    LoggedIn {
        initiator: String,
        peer: String,
        normal: bool,
    },
    /// A login was refused (another initiator holds the device, wrong target name, ...).
    Refused {
        initiator: Option<String>,
        peer: String,
        reason: String,
    },
    /// A logged-in connection ended: `error` is `None` after a Logout.
    Ended {
        initiator: String,
        peer: String,
        error: Option<String>,
    },
}

struct Shared<T> {
    device: T,
    /// Who holds the device: initiator name and address.
    owner: Option<String>,
}

/// An iSCSI target serving one device as LUN 0.
pub struct Server<T> {
    config: TargetConfig,
    shared: Arc<Mutex<Shared<T>>>,
    on_session_end: Arc<Option<SessionEndHook<T>>>,
    on_event: Arc<Option<EventHook>>,
}

impl<T: Transport + Send + 'static> Server<T> {
    pub fn new(config: TargetConfig, device: T) -> Server<T> {
        Server {
            config,
            shared: Arc::new(Mutex::new(Shared {
                device,
                owner: None,
            })),
            on_session_end: Arc::new(None),
            on_event: Arc::new(None),
        }
    }

    /// Calls `hook` for every [`Event`] (from the connections' threads).
    pub fn on_event(mut self, hook: impl Fn(&Event) + Send + Sync + 'static) -> Server<T> {
        self.on_event = Arc::new(Some(Box::new(hook)));
        self
    }

    /// Runs `hook` on the device after each normal session ends (logout or a
    /// dropped connection); the emulator persists its medium there.
    pub fn on_session_end(mut self, hook: impl Fn(&mut T) + Send + Sync + 'static) -> Server<T> {
        self.on_session_end = Arc::new(Some(Box::new(hook)));
        self
    }

    /// Accepts connections for ever, each served on its own thread.
    pub fn serve(&self, listener: TcpListener) -> Result<(), Error> {
        for stream in listener.incoming() {
            let stream = match stream {
                Ok(stream) => stream,
                Err(err) => {
                    tracing::warn!("iSCSI: accept failed: {err}");
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            let config = self.config.clone();
            let shared = Arc::clone(&self.shared);
            let hooks = Hooks {
                session_end: Arc::clone(&self.on_session_end),
                event: Arc::clone(&self.on_event),
            };
            std::thread::spawn(move || serve_connection(stream, config, shared, hooks));
        }
        Ok(())
    }
}

fn lock<T>(shared: &Mutex<Shared<T>>) -> MutexGuard<'_, Shared<T>> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Hooks<T> {
    session_end: Arc<Option<SessionEndHook<T>>>,
    event: Arc<Option<EventHook>>,
}

impl<T> Hooks<T> {
    fn event(&self, event: Event) {
        if let Some(hook) = self.event.as_ref() {
            hook(&event);
        }
    }
}

fn serve_connection<T: Transport>(
    stream: TcpStream,
    config: TargetConfig,
    shared: Arc<Mutex<Shared<T>>>,
    hooks: Hooks<T>,
) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".into());
    tracing::debug!("iSCSI: connection from {peer}");
    let mut connection = Connection::new(config);
    let result = converse(&stream, &mut connection, &shared, &peer, &hooks);
    if let Err(err) = &result {
        tracing::warn!("iSCSI: connection from {peer} ended: {err}");
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    if connection.claimed() {
        let mut guard = lock(&shared);
        guard.owner = None;
        if let Some(hook) = hooks.session_end.as_ref() {
            hook(&mut guard.device);
        }
    }
    if let Some(reason) = connection.refusal() {
        hooks.event(Event::Refused {
            initiator: connection.initiator().map(str::to_string),
            peer,
            reason: reason.to_string(),
        });
    } else if connection.initiator().is_some() && (connection.logged_in() || connection.is_closed())
    {
        hooks.event(Event::Ended {
            initiator: connection.initiator().unwrap_or("?").to_string(),
            peer,
            error: result.err().map(|err| err.to_string()),
        });
    }
}

/// Reads PDUs and answers them until the initiator leaves or breaks the protocol.
fn converse<T: Transport>(
    stream: &TcpStream,
    connection: &mut Connection,
    shared: &Mutex<Shared<T>>,
    peer: &str,
    hooks: &Hooks<T>,
) -> Result<(), Error> {
    let io = |context: &str| {
        let context = format!("{context} ({peer})");
        move |source| Error::Io { context, source }
    };
    let _ = stream.set_nodelay(true);
    let mut reader =
        BufReader::with_capacity(256 * 1024, stream.try_clone().map_err(io("clone socket"))?);
    let mut writer = BufWriter::with_capacity(256 * 1024, stream);
    loop {
        let mut bhs = [0u8; BHS_LEN];
        match reader.read_exact(&mut bhs) {
            Ok(()) => {}
            Err(err) if err.kind() == ErrorKind::UnexpectedEof => return Ok(()),
            Err(err) => return Err(io("read")(err)),
        }
        let lengths = Pdu::lengths(&bhs);
        if lengths.data > connection.max_receive_segment() {
            return Err(Error::DataSegmentTooLong {
                len: lengths.data,
                max: connection.max_receive_segment(),
            });
        }
        if lengths.ahs > MAX_AHS {
            return Err(Error::Protocol(format!("{} bytes of AHS", lengths.ahs)));
        }
        let mut rest = vec![0u8; lengths.after_bhs()];
        reader.read_exact(&mut rest).map_err(io("read"))?;
        let pdu = Pdu::from_parts(bhs, &rest)?;
        let was_logged_in = connection.logged_in();
        let replies = {
            let mut guard = lock(shared);
            let mut backend = Lease {
                shared: &mut guard,
                peer,
            };
            connection.handle(&pdu, &mut backend)?
        };
        for reply in &replies {
            writer.write_all(&reply.to_bytes()).map_err(io("write"))?;
        }
        writer.flush().map_err(io("write"))?;
        if !was_logged_in && connection.logged_in() {
            hooks.event(Event::LoggedIn {
                initiator: connection.initiator().unwrap_or("?").to_string(),
                peer: peer.to_string(),
                normal: connection.claimed(),
            });
        }
        if connection.is_closed() {
            return Ok(());
        }
    }
}

/// The device as one connection sees it.
struct Lease<'a, T> {
    shared: &'a mut Shared<T>,
    peer: &'a str,
}

impl<T: Transport> Backend for Lease<'_, T> {
    fn claim(&mut self, initiator: &str) -> Result<(), String> {
        if let Some(owner) = &self.shared.owner {
            return Err(format!(
                "{} is in use by {owner}; this target serves one initiator at a time",
                self.shared.device.device_name()
            ));
        }
        self.shared.owner = Some(format!("{initiator} ({})", self.peer));
        Ok(())
    }

    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<CommandOutcome, TransportError> {
        self.shared.device.execute(cdb, data, timeout)
    }
}

/// Binds `address`, saying which address could not be bound.
pub fn bind(address: SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(address).map_err(|source| Error::Io {
        context: format!("cannot listen on {address}"),
        source,
    })
}
