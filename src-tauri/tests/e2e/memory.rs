//! What the app's own process keeps in memory, read through /proc as a memory dump
//! would: after Lock, no copy of a password typed or a value revealed. WebKit's
//! allocator keeps the IPC messages in this process unwiped, so secrets cross the IPC
//! sealed (`sealed_ipc`) and Lock drops the keys. `--nocapture` prints every copy found
//! and the mapping it sits in.

use std::io::{Read, Seek, SeekFrom};

use crate::PASSWORD;
use crate::desktop::Desktop;
use crate::library;
use crate::pages::Vault;

const VALUE: &str = "marker-value-51d2b8-only-in-this-test";

/// The pid of the app whose environment names `db` (each test's vault is its own).
pub fn app_pid(db: &str) -> u32 {
    let wanted = format!("VAULTSTORE_DB={db}");
    let app = std::path::Path::new(env!("CARGO_BIN_EXE_vaultstore-desktop"));
    let app = app.canonicalize().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
            #[allow(clippy::disallowed_methods, reason = "a /proc file of our own child")]
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            exe.as_deref() == Some(app.as_path())
                && environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes())
        })
        .unwrap_or_else(|| panic!("no app process with {wanted}"))
}

/// The pid of app `app`'s web process (WebKit renders the page there).
pub fn web_process_pid(app: u32) -> u32 {
    let parent = app.to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid …
            let after = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
            stat.contains("(WebKitWebProces") && after.split(' ').nth(1) == Some(parent.as_str())
        })
        .expect("the app's WebKitWebProcess")
}

/// Mappings larger than this are address-space reservations (JavaScriptCore's cage),
/// not heap: reading them would fault in gigabytes of zero pages.
const LARGEST_REGION: u64 = 1 << 30;
const CHUNK: usize = 1 << 20;

/// How many times each needle occurs in the writable memory of process `pid`.
fn count_in_memory(pid: u32, needles: &[&str]) -> Vec<usize> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let overlap = needles.iter().map(|n| n.len()).max().unwrap_or(0);
    let mut counts = vec![0; needles.len()];
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let (Some(range), Some(perms)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (start, end) = range.split_once('-').unwrap();
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        if !perms.starts_with("rw") || end - start > LARGEST_REGION {
            continue;
        }
        // Chunk by chunk, each overlapping the last by a needle's length.
        let mut at = start;
        while at < end {
            let len = usize::try_from((end - at).min(CHUNK as u64)).unwrap();
            let mut chunk = vec![0u8; len];
            if mem.seek(SeekFrom::Start(at)).is_err() || mem.read_exact(&mut chunk).is_err() {
                break; // a guard page or a mapping gone meanwhile
            }
            // Count matches that start before the overlap (the next chunk sees the rest).
            let fresh = if len == CHUNK { len - overlap } else { len };
            for (count, needle) in counts.iter_mut().zip(needles) {
                let hits = memchr::memmem::find_iter(&chunk, needle.as_bytes())
                    .filter(|at| *at < fresh)
                    .count();
                if hits > 0 {
                    eprintln!("{hits} x {needle} in {line}");
                }
                *count += hits;
            }
            at += fresh as u64;
        }
    }
    counts
}

/// Neither secret crosses the WebDriver session whole (it runs in the app's process and
/// would leave copies of its own): the record is written before the app starts, the
/// password is joined from halves in the page, and the window is checked for the
/// value's length and prefix, never for the value itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_lock_no_password_or_value_is_left_in_the_app_memory() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let db = desktop.db_url();
    library::seed_one(&db, VALUE, "Marked").await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    let record = vault.open_record("Marked").await;
    record.until_settled().await;
    // Typed by a script that joins two halves in the page: a WebDriver message carrying
    // the whole password would leave a copy in this process that is the test's own.
    let (a, b) = PASSWORD.split_at(PASSWORD.len() / 2);
    window
        .js(&format!(
            "const i = document.querySelector('#record-dialog input[name=password]'); \
             i.value = {a:?} + {b:?}; i.dispatchEvent(new Event('input', {{ bubbles: true }}));"
        ))
        .await;
    record.open_with_typed_password().await;
    record.until_revealed().await;
    record.toggle_shown().await;
    let shown = format!(
        "(t => t.length === {} && t.startsWith('marker-value-'))(document.querySelector('#record-dialog [data-role=value-text]').textContent)",
        VALUE.len()
    );
    window.until("the value shown", &shown).await;
    record.toggle_shown().await;
    record.close().await;
    let pid = app_pid(&db);
    let open = count_in_memory(pid, &[PASSWORD, VALUE]);
    eprintln!("copies while unlocked (password, value): {open:?}");
    // While unlocked the value is on screen in the web process, never here, and the
    // password was only ever in zeroizing buffers (and stack frames wiped after use).
    assert_eq!(
        open,
        vec![0, 0],
        "while unlocked the app process holds no copy beyond its zeroizing buffers"
    );

    vault.lock().await;
    vault.until_no_record_open().await;
    let locked = count_in_memory(pid, &[PASSWORD, VALUE]);
    eprintln!("copies after Lock (password, value): {locked:?}");
    assert_eq!(
        locked,
        vec![0, 0],
        "after Lock the app process holds no copy of the password or the value"
    );
    window.quit().await;
}

/// Without a GPU (this machine, CI, a VM) the page is painted by the CPU with two malloc
/// arenas: Skia's painting through Mesa's software OpenGL grew the web process by
/// 80–110 MiB over a 20,000-row scroll (`make bench-app`), against 33–47 MiB so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_gpu_the_web_process_paints_with_the_cpu() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let db = desktop.db_url();
    let window = desktop.open_window().await;
    Vault(&window).until_total("0 records").await;
    #[allow(clippy::disallowed_methods, reason = "a /proc file of our own child")]
    let environ =
        std::fs::read(format!("/proc/{}/environ", web_process_pid(app_pid(&db)))).unwrap();
    let vars: Vec<&[u8]> = environ.split(|b| *b == 0).collect();
    let gpu = std::fs::read_dir("/dev/dri").is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    assert_eq!(
        vars.contains(&b"WEBKIT_SKIA_ENABLE_CPU_RENDERING=1".as_slice()),
        !gpu,
        "CPU painting exactly where there is no GPU render node"
    );
    assert!(vars.contains(&b"MALLOC_ARENA_MAX=2".as_slice()));
    window.quit().await;
}
