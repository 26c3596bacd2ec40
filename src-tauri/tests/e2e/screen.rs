//! The X server's own view of a test desktop, beside the page's: which top-level windows
//! are on the screen and in what stacking order, which one has the keyboard focus, and
//! closing one as its title bar's close button would. No window manager runs under the
//! test Xvfb, so the server's stacking order, map state and input focus are what a user
//! would see, and a window's title is the one its app gave it.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, MapState, Window,
};
use x11rb::rust_connection::RustConnection;

/// A connection to one test desktop's X server.
pub struct Screen {
    conn: RustConnection,
    root: Window,
}

/// A top-level window as the X server has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopLevel {
    pub id: Window,
    pub title: String,
    /// Mapped and drawn on the screen (not minimized, not hidden).
    pub viewable: bool,
}

impl Screen {
    pub fn connect(display: &str) -> Self {
        let (conn, screen) = x11rb::connect(Some(display)).unwrap();
        let root = conn.setup().roots[screen].root;
        Self { conn, root }
    }

    /// Every top-level window, the topmost first.
    pub fn windows(&self) -> Vec<TopLevel> {
        let tree = self.conn.query_tree(self.root).unwrap().reply().unwrap();
        // The server lists children bottom to top.
        tree.children
            .iter()
            .rev()
            .filter_map(|&id| {
                // A window may go between the listing and this question.
                let attributes = self.conn.get_window_attributes(id).ok()?.reply().ok()?;
                Some(TopLevel {
                    id,
                    title: self.title(id),
                    viewable: attributes.map_state == MapState::VIEWABLE,
                })
            })
            .collect()
    }

    /// The windows titled `title` that are on the screen, the topmost first.
    pub fn viewable(&self, title: &str) -> Vec<TopLevel> {
        self.windows()
            .into_iter()
            .filter(|w| w.viewable && w.title == title)
            .collect()
    }

    /// The window with the keyboard focus (GTK focuses its top-level window itself).
    pub fn focus(&self) -> Window {
        self.conn.get_input_focus().unwrap().reply().unwrap().focus
    }

    /// Asks the window to close, as its title bar's close button does under a window
    /// manager (ICCCM `WM_DELETE_WINDOW`).
    pub fn close(&self, id: Window) {
        let protocols = self.atom("WM_PROTOCOLS");
        let delete = self.atom("WM_DELETE_WINDOW");
        let event = ClientMessageEvent::new(32, id, protocols, [delete, 0, 0, 0, 0]);
        self.conn
            .send_event(false, id, EventMask::NO_EVENT, event)
            .unwrap();
        self.conn.flush().unwrap();
    }

    fn atom(&self, name: &str) -> u32 {
        self.conn
            .intern_atom(false, name.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom
    }

    /// `_NET_WM_NAME` (UTF-8, what GTK sets), else `WM_NAME`; empty without either.
    fn title(&self, id: Window) -> String {
        let utf8 = self.atom("UTF8_STRING");
        let net_name = self.atom("_NET_WM_NAME");
        for (property, kind) in [
            (net_name, utf8),
            (AtomEnum::WM_NAME.into(), AtomEnum::STRING.into()),
        ] {
            let Some(reply) = self
                .conn
                .get_property(false, id, property, kind, 0, 1024)
                .ok()
                .and_then(|c| c.reply().ok())
            else {
                continue;
            };
            if !reply.value.is_empty() {
                return String::from_utf8_lossy(&reply.value).into_owned();
            }
        }
        String::new()
    }
}
