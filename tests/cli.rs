//! The `vaultstore` binary, run as a user or a script would, against every backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::Ctx;

const PW: &str = "correct-horse-battery-cli";
const NEW_PW: &str = "another-long-password-2";
const VALUE: &str = "s3cr3t value ✓";

struct Run<'a> {
    ctx: &'a Ctx,
}

struct Result {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run<'_> {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vaultstore"));
        c.arg("--db")
            .arg(&self.ctx.url)
            .args(args)
            .env("PW", PW)
            .env("NEW_PW", NEW_PW)
            .env("VALUE", VALUE)
            .env("SHORT", "short")
            .env_remove("VAULTSTORE_DB")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Result {
        from(self.cmd(args).output().unwrap())
    }

    fn run_stdin(&self, args: &[&str], input: &str) -> Result {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        from(child.wait_with_output().unwrap())
    }

    /// Runs with stdout on `/dev/full`, where every write fails with ENOSPC.
    fn to_full_disk(&self, args: &[&str]) -> Result {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        from(
            self.cmd(args)
                .stdout(Stdio::from(full))
                .stderr(Stdio::piped())
                .output()
                .unwrap(),
        )
    }

    /// Runs with stdout on a pipe whose reading end is closed at once (`| head -0`).
    fn to_closed_pipe(&self, args: &[&str]) -> Result {
        let mut child = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the child has opened the database, so its first write gets EPIPE.
        drop(child.stdout.take());
        from(child.wait_with_output().unwrap())
    }

    /// Runs and expects success; returns stdout without the final newline.
    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?} failed: {}", r.stderr);
        if r.stdout.is_empty() {
            return String::new();
        }
        r.stdout
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("{args:?}: no final newline"))
            .to_owned()
    }

    /// Runs and expects exit `code`; checks no secret leaked into stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let r = self.run(args);
        assert_eq!(r.code, code, "{args:?}: stderr {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?} printed {}", r.stdout);
        assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
        for secret in [PW, NEW_PW, VALUE] {
            assert!(!r.stderr.contains(secret), "secret in stderr: {}", r.stderr);
        }
        r.stderr
    }
}

fn from(o: Output) -> Result {
    Result {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

async fn every_command_works_as_documented(ctx: &Ctx) {
    let cli = Run { ctx };
    let token = cli.ok(&[
        "create",
        "--password-env",
        "PW",
        "--value-env",
        "VALUE",
        "--label",
        "Prod DB",
        "--tag",
        "db",
        "--tag",
        "prod",
        "--expires-in",
        "30d",
    ]);
    assert!(token.starts_with("tk_") && token.len() == 32, "{token}");
    assert_eq!(cli.ok(&["read", &token, "--password-env", "PW"]), VALUE);
    let json: serde_json::Value =
        serde_json::from_str(&cli.ok(&["read", &token, "--json", "--password-env", "PW"])).unwrap();
    assert_eq!(json, serde_json::json!({"token": token, "value": VALUE}));

    // Value from stdin (exact bytes), custom token and length.
    let custom = cli.run_stdin(
        &["create", "--token", "tk_custom", "--password-env", "PW"],
        "line one\nline two\n",
    );
    assert_eq!(custom.code, 0, "{}", custom.stderr);
    assert_eq!(custom.stdout, "tk_custom\n");
    assert_eq!(
        cli.ok(&["read", "tk_custom", "--password-env", "PW"]),
        "line one\nline two\n"
    );
    let short = cli.ok(&[
        "create",
        "--length",
        "15",
        "--password-env",
        "PW",
        "--value-env",
        "VALUE",
    ]);
    assert_eq!(short.len(), 15);

    // Password and value from files.
    let dir = tempfile::tempdir().unwrap();
    let pw_file = dir.path().join("pw");
    std::fs::write(&pw_file, format!("{PW}\n")).unwrap();
    let value_file = dir.path().join("value");
    std::fs::write(&value_file, "from a file").unwrap();
    let pw_path = pw_file.to_str().unwrap();
    let filed = cli.ok(&[
        "create",
        "--password-file",
        pw_path,
        "--value-file",
        value_file.to_str().unwrap(),
    ]);
    assert_eq!(
        cli.ok(&["read", &filed, "--password-env", "PW"]),
        "from a file"
    );

    let many: serde_json::Value = serde_json::from_str(&cli.ok(&[
        "read-many",
        &token,
        "tk_custom",
        "--json",
        "--password-file",
        pw_path,
    ]))
    .unwrap();
    assert_eq!(many[&token], VALUE);
    assert_eq!(many["tk_custom"], "line one\nline two\n");

    let upd = cli.run_stdin(&["update", &filed, "--password-env", "PW"], "updated");
    assert_eq!(upd.code, 0, "{}", upd.stderr);
    assert_eq!(cli.ok(&["read", &filed, "--password-env", "PW"]), "updated");
    cli.ok(&[
        "rekey",
        &filed,
        "--password-env",
        "PW",
        "--new-password-env",
        "NEW_PW",
    ]);
    assert_eq!(
        cli.ok(&["read", &filed, "--password-env", "NEW_PW"]),
        "updated"
    );

    assert_eq!(cli.ok(&["exists", &token]), "true");
    cli.ok(&["soft-delete", &token]);
    assert_eq!(cli.ok(&["exists", &token]), "false");
    assert_eq!(cli.ok(&["count", "--deleted", "only"]), "1");
    cli.ok(&["restore", &token]);
    cli.ok(&["renew", &token, "--never"]);
    assert_eq!(cli.ok(&["count", "--status", "never-expires"]), "4");
    cli.ok(&["renew", &token, "--expires-in", "2h"]);
    assert_eq!(cli.ok(&["count", "--expiring-within", "1d"]), "1");
    cli.ok(&["renew", &token, "--expires-at", "2099-01-01T00:00:00Z"]);
    assert_eq!(cli.ok(&["count", "--search", "PROD"]), "1");
    assert_eq!(cli.ok(&["count", "--token-prefix", "tk_cus"]), "1");

    // List: table for people, JSON with a cursor for scripts.
    let table = cli.ok(&["list", "--sort", "token", "--order", "asc"]);
    let mut lines = table.lines();
    assert!(lines.next().unwrap().starts_with("TOKEN"));
    assert_eq!(table.lines().count(), 5);
    assert!(table.contains("Prod DB") && table.contains("db,prod"));
    let page: serde_json::Value =
        serde_json::from_str(&cli.ok(&["list", "--json", "--limit", "2", "--order", "ASC"]))
            .unwrap();
    assert_eq!(page["records"].as_array().unwrap().len(), 2);
    let first = &page["records"][0];
    for key in [
        "id",
        "token",
        "created_at",
        "updated_at",
        "expires_at",
        "soft_deleted_at",
        "data",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    let next = page["next"].as_str().unwrap();
    let page2: serde_json::Value = serde_json::from_str(&cli.ok(&[
        "list", "--json", "--limit", "2", "--order", "asc", "--after", next,
    ]))
    .unwrap();
    assert_eq!(page2["records"].as_array().unwrap().len(), 2);
    assert!(page2["next"].is_null());
    let label_row = serde_json::from_str::<serde_json::Value>(
        &cli.ok(&["list", "--json", "--search", "prod db"]),
    )
    .unwrap();
    assert_eq!(label_row["records"][0]["data"]["label"], "Prod DB");
    assert_eq!(
        label_row["records"][0]["data"]["tags"],
        serde_json::json!(["db", "prod"])
    );

    assert_eq!(
        cli.ok(&[
            "change-password",
            "--password-env",
            "PW",
            "--new-password-env",
            "NEW_PW"
        ]),
        "3"
    );
    assert_eq!(cli.ok(&["read", &token, "--password-env", "NEW_PW"]), VALUE);

    cli.ok(&[
        "create",
        "--password-env",
        "PW",
        "--value-env",
        "VALUE",
        "--expires-at",
        "2000-01-01T00:00:00Z",
    ]);
    assert_eq!(cli.ok(&["purge-expired", "--soft"]), "1");
    assert_eq!(cli.ok(&["purge-expired"]), "1");
    cli.ok(&["delete", &token]);
    assert_eq!(cli.ok(&["exists", &token]), "false");
}

async fn exit_codes_tell_scripts_what_went_wrong(ctx: &Ctx) {
    let cli = Run { ctx };
    let token = cli.ok(&["create", "--password-env", "PW", "--value-env", "VALUE"]);
    // 2: usage. There is no flag that takes a secret on the command line.
    cli.fails(&["read", &token, "--password", PW], 2);
    cli.fails(&["renew", &token], 2);
    cli.fails(&["read", &token], 2); // no terminal to prompt on
    // 3: not found.
    let msg = cli.fails(&["read", "tk_missing", "--password-env", "PW"], 3);
    assert!(msg.contains("tk_missing"));
    cli.fails(&["read-many", &token, "tk_gone", "--password-env", "PW"], 3);
    // 4: invalid password.
    cli.fails(&["read", &token, "--password-env", "NEW_PW"], 4);
    // 5: expired.
    let old = cli.ok(&[
        "create",
        "--password-env",
        "PW",
        "--value-env",
        "VALUE",
        "--expires-at",
        "2001-01-01T00:00:00Z",
    ]);
    cli.fails(&["read", &old, "--password-env", "PW"], 5);
    // 6: already exists.
    cli.fails(
        &[
            "create",
            "--token",
            &token,
            "--password-env",
            "PW",
            "--value-env",
            "VALUE",
        ],
        6,
    );
    // 7: invalid input or policy.
    cli.fails(&["renew", &token, "--expires-in", "soon"], 7);
    cli.fails(&["renew", &token, "--expires-at", "tomorrow"], 7);
    cli.fails(&["read", "has space", "--password-env", "PW"], 7);
    cli.fails(&["read", &token, "--password-env", "UNSET_VARIABLE_X"], 7);
    cli.fails(&["list", "--after", "garbage!"], 7);
    let policy = cli.fails(
        &[
            "rekey",
            &token,
            "--password-env",
            "PW",
            "--new-password-env",
            "SHORT",
        ],
        7,
    );
    assert!(policy.contains("at least 16 characters"), "{policy}");
    // 1: anything else (a trashed token).
    cli.ok(&["soft-delete", &token]);
    cli.fails(&["read", &token, "--password-env", "PW"], 1);
}

async fn secrets_never_appear_in_process_arguments(ctx: &Ctx) {
    let cli = Run { ctx };
    // The process blocks reading the value from stdin: look at its arguments meanwhile.
    let mut child = cli
        .cmd(&["create", "--password-env", "PW"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Until exec, /proc shows the test binary's own arguments: wait for ours.
    let mut cmdline = String::new();
    for _ in 0..200 {
        #[allow(
            clippy::disallowed_methods,
            reason = "a /proc file of a child this test started"
        )]
        let raw = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();
        cmdline = String::from_utf8_lossy(&raw).into_owned();
        if cmdline.contains("create") {
            break;
        }
        #[allow(
            clippy::disallowed_methods,
            reason = "the interval of a poll bounded to 200 tries"
        )]
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(cmdline.contains("--password-env"), "{cmdline}");
    assert!(
        !cmdline.contains(PW) && !cmdline.contains(VALUE),
        "{cmdline}"
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(VALUE.as_bytes())
        .unwrap();
    let out = from(child.wait_with_output().unwrap());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let token = out.stdout.trim_end().to_owned();
    assert_eq!(cli.ok(&["read", &token, "--password-env", "PW"]), VALUE);
}

async fn an_unreachable_database_exits_8(ctx: &Ctx) {
    let url = match ctx.backend {
        common::Backend::Sqlite => "sqlite:///nonexistent-dir/x/vault.db",
        common::Backend::Postgres => "postgres://postgres@127.0.0.1:1/test",
        common::Backend::MySql => "mysql://root@127.0.0.1:1/test",
    };
    let out = Command::new(env!("CARGO_BIN_EXE_vaultstore"))
        .args(["--db", url, "count"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("database"), "{err}");
}

async fn export_and_import_move_a_vault_through_files(ctx: &Ctx) {
    let cli = Run { ctx };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.json");
    let f = file.to_str().unwrap();
    let a = cli.ok(&[
        "create",
        "--password-env",
        "PW",
        "--value-env",
        "VALUE",
        "--label",
        "A",
    ]);
    let b = cli.ok(&[
        "create",
        "--password-env",
        "NEW_PW",
        "--value-env",
        "VALUE",
        "--label",
        "B",
    ]);
    cli.ok(&["soft-delete", &b]);
    assert_eq!(cli.ok(&["export", f, "--deleted", "include"]), "2");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "exports are owner-only");
    let preview = cli.ok(&["--table", "other", "import", f, "--dry-run", "--json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&preview).unwrap(),
        serde_json::json!({"created": 2, "skipped": 0, "overwritten": 0, "restored": 0})
    );
    assert_eq!(
        cli.ok(&["--table", "other", "count", "--deleted", "include"]),
        "0"
    );
    assert_eq!(
        cli.ok(&["--table", "other", "import", f, "--restore-deleted"]),
        "created 2, skipped 0, overwritten 0, restored 1"
    );
    assert_eq!(
        cli.ok(&["--table", "other", "read", &a, "--password-env", "PW"]),
        VALUE
    );
    assert_eq!(
        cli.ok(&["--table", "other", "read", &b, "--password-env", "NEW_PW"]),
        VALUE
    );
    assert_eq!(
        cli.ok(&["--table", "other", "import", f]),
        "created 0, skipped 2, overwritten 0, restored 0"
    );
    cli.fails(
        &["--table", "other", "import", f, "--on-conflict", "fail"],
        6,
    );
    // A damaged file is refused whole.
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, &text[..text.len() - 10]).unwrap();
    let msg = cli.fails(&["--table", "third", "import", f], 7);
    assert!(msg.contains("truncated"), "{msg}");
    assert_eq!(cli.ok(&["--table", "third", "count"]), "0");
    // An oversized file is refused before it is read (a sparse file: no disk used).
    let huge = dir.path().join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(600 * 1024 * 1024)
        .unwrap();
    let msg = cli.fails(&["--table", "third", "import", huge.to_str().unwrap()], 7);
    assert!(msg.contains("limit"), "{msg}");
    // A device or FIFO reports size 0: the cap is on the bytes read, not the size.
    if ctx.backend == common::Backend::Sqlite {
        let msg = cli.fails(&["--table", "third", "import", "/dev/zero"], 7);
        assert!(msg.contains("limit"), "{msg}");
    }

    // Plaintext needs the explicit flag, and lists what it cannot open.
    let plain = dir.path().join("plain.csv");
    let p = plain.to_str().unwrap();
    cli.fails(&["export", p, "--plaintext", "--password-env", "PW"], 2);
    assert!(!plain.exists());
    let out = cli.run(&[
        "export",
        p,
        "--plaintext",
        "--i-understand-plaintext",
        "--password-env",
        "PW",
        "--deleted",
        "include",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "1\n");
    assert!(
        out.stderr.contains(&b),
        "the unopened record is named: {}",
        out.stderr
    );
    assert!(std::fs::read_to_string(&plain).unwrap().contains(VALUE));

    // Another manager's export.
    let kp = dir.path().join("keepass.csv");
    std::fs::write(&kp, "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\"\n\"Root\",\"Mail\",\"me\",\"mail-pw\",\"\",\"\"\n").unwrap();
    assert_eq!(
        cli.ok(&[
            "import",
            kp.to_str().unwrap(),
            "--from",
            "keepassxc-csv",
            "--password-env",
            "PW"
        ]),
        "created 1, skipped 0, overwritten 0, restored 0"
    );
    let listed: serde_json::Value =
        serde_json::from_str(&cli.ok(&["list", "--json", "--search", "mail"])).unwrap();
    let token = listed["records"][0]["token"].as_str().unwrap().to_owned();
    assert_eq!(cli.ok(&["read", &token, "--password-env", "PW"]), "mail-pw");
}

async fn the_go_library_table_imports_from_the_command_line(ctx: &Ctx) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/go-v2.json")).unwrap();
    let v = &vectors["vectors"][0];
    ctx.exec("CREATE TABLE go_vault (id VARCHAR(40) PRIMARY KEY, vault_token VARCHAR(100) NOT NULL, vault_value TEXT NOT NULL, created_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL, expires_at VARCHAR(40) NOT NULL, soft_deleted_at VARCHAR(40) NOT NULL)").await;
    ctx.exec(&format!(
        "INSERT INTO go_vault VALUES ('1', 'tk_from_go', '{}', '2024-03-01 10:00:00', '2024-03-01 10:00:00', '9999-12-31 23:59:59', '9999-12-31 23:59:59')",
        v["envelope"].as_str().unwrap()
    ))
    .await;
    let cli = Run { ctx };
    assert_eq!(
        cli.ok(&["import-go", "--from", &ctx.url, "--table", "go_vault"]),
        "created 1, skipped 0, overwritten 0, restored 0"
    );
    let out = cli
        .cmd(&["read", "tk_from_go", "--password-env", "GO_PW"])
        .env("GO_PW", v["password"].as_str().unwrap())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", v["value"].as_str().unwrap())
    );
}

/// A password in `--db` works but is warned about (the process list shows it to every
/// user); the same URL from `$VAULTSTORE_DB` is private and says nothing. PostgreSQL
/// only: its test server trusts local connections, so any password is accepted.
async fn a_password_in_db_on_the_command_line_is_warned_about(ctx: &Ctx) {
    if ctx.backend != common::Backend::Postgres {
        return;
    }
    let url = ctx.url.replacen(
        "postgres://postgres@",
        "postgres://postgres:not-secret-pw@",
        1,
    );
    assert_ne!(
        url, ctx.url,
        "the test URL names user postgres: {}",
        ctx.url
    );
    let warned = |out: &Output| String::from_utf8_lossy(&out.stderr).contains("warning");
    let argv = Command::new(env!("CARGO_BIN_EXE_vaultstore"))
        .args(["--db", &url, "count"])
        .env_remove("VAULTSTORE_DB")
        .output()
        .unwrap();
    assert!(argv.status.success(), "{argv:?}");
    assert!(warned(&argv), "--db with a password warns: {argv:?}");
    let env = Command::new(env!("CARGO_BIN_EXE_vaultstore"))
        .arg("count")
        .env("VAULTSTORE_DB", &url)
        .output()
        .unwrap();
    assert!(env.status.success(), "{env:?}");
    assert!(!warned(&env), "$VAULTSTORE_DB is private: {env:?}");
}

async fn a_full_disk_on_stdout_fails_with_one_line_and_no_secret(ctx: &Ctx) {
    let cli = Run { ctx };
    let token = cli.ok(&["create", "--password-env", "PW", "--value-env", "VALUE"]);
    let cases: [&[&str]; 8] = [
        &["read", &token, "--password-env", "PW"],
        &["read", &token, "--json", "--password-env", "PW"],
        &["read-many", &token, "--password-env", "PW"],
        &["read-many", &token, "--json", "--password-env", "PW"],
        &["list"],
        &["list", "--json"],
        &["count"],
        &["exists", &token],
    ];
    for args in cases {
        let r = cli.to_full_disk(args);
        assert_eq!(r.code, 1, "{args:?}: stderr {}", r.stderr);
        assert_eq!(
            r.stderr.lines().count(),
            1,
            "{args:?}: one line: {}",
            r.stderr
        );
        assert!(
            r.stderr
                .starts_with("vaultstore: cannot write the output: No space left on device"),
            "{args:?}: {}",
            r.stderr
        );
        for secret in [PW, NEW_PW, VALUE] {
            assert!(!r.stderr.contains(secret), "secret in stderr: {}", r.stderr);
        }
    }
}

/// Like ripgrep, a reader that went away (`vaultstore list | head -0`) ends the command
/// quietly with 0: the reader chose to stop, nothing failed that a message could help.
async fn a_closed_pipe_on_stdout_ends_quietly(ctx: &Ctx) {
    let cli = Run { ctx };
    let token = cli.ok(&["create", "--password-env", "PW", "--value-env", "VALUE"]);
    let cases: [&[&str]; 4] = [
        &["read", &token, "--password-env", "PW"],
        &["read", &token, "--json", "--password-env", "PW"],
        &["list"],
        &["count"],
    ];
    for args in cases {
        let r = cli.to_closed_pipe(args);
        assert_eq!(r.code, 0, "{args:?}: stderr {}", r.stderr);
        assert_eq!(r.stderr, "", "{args:?}: no message, no panic");
    }
}

/// The JSON of values is exactly what it was when it went through `serde_json::Value`:
/// quotes, backslashes, newlines and control characters escaped, non-ASCII as UTF-8,
/// `read-many` keys in token order.
async fn values_print_byte_for_byte_with_json_escapes(ctx: &Ctx) {
    let cli = Run { ctx };
    let tricky = "say \"hi\" \\ C:\\dir\nline two\r\ttab \u{1} é ✓ 🔑 </script>";
    let create = |token: &str, value: &str| {
        let r = cli.run_stdin(&["create", "--token", token, "--password-env", "PW"], value);
        assert_eq!(r.code, 0, "{}", r.stderr);
    };
    create("tk_b_tricky", tricky);
    create("tk_a_plain", "plain");
    let escaped = r#""say \"hi\" \\ C:\\dir\nline two\r\ttab \u0001 é ✓ 🔑 </script>""#;

    let read = cli.run(&["read", "tk_b_tricky", "--password-env", "PW"]);
    assert_eq!(read.code, 0, "{}", read.stderr);
    assert_eq!(read.stdout, format!("{tricky}\n"));
    let json = cli.run(&["read", "tk_b_tricky", "--json", "--password-env", "PW"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_eq!(
        json.stdout,
        format!("{{\"token\":\"tk_b_tricky\",\"value\":{escaped}}}\n")
    );
    let many = cli.run(&[
        "read-many",
        "tk_b_tricky",
        "tk_a_plain",
        "--json",
        "--password-env",
        "PW",
    ]);
    assert_eq!(many.code, 0, "{}", many.stderr);
    assert_eq!(
        many.stdout,
        format!("{{\"tk_a_plain\":\"plain\",\"tk_b_tricky\":{escaped}}}\n")
    );
    let lines = cli.run(&[
        "read-many",
        "tk_b_tricky",
        "tk_a_plain",
        "--password-env",
        "PW",
    ]);
    assert_eq!(lines.code, 0, "{}", lines.stderr);
    assert_eq!(
        lines.stdout,
        format!("tk_a_plain\tplain\ntk_b_tricky\t{tricky}\n")
    );
}

/// `list --query` and `count --query` take the query language; a malformed query exits 7
/// naming the term, and the other filter flags cannot be mixed in.
async fn list_and_count_take_a_query(ctx: &Ctx) {
    let cli = Run { ctx };
    let ago = |days| (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339();
    for (token, label, tags, expiry) in [
        ("tk_q_github", "GitHub CI", &["prod", "ci"][..], vec![]),
        (
            "tk_q_mail",
            "Mail",
            &["production"],
            vec!["--expires-in", "3d"],
        ),
        (
            "tk_q_old",
            "Old DB",
            &["prod"],
            vec!["--expires-at", &ago(2)],
        ),
        ("tk_q_older", "Older", &[], vec!["--expires-at", &ago(40)]),
        ("tk_q_trash", "Trash", &["prod"], vec![]),
    ] {
        let mut args = vec![
            "create",
            "--token",
            token,
            "--label",
            label,
            "--password-env",
            "PW",
            "--value-env",
            "VALUE",
        ];
        for tag in tags {
            args.extend(["--tag", tag]);
        }
        args.extend(expiry.iter().copied());
        cli.ok(&args);
    }
    cli.ok(&["soft-delete", "tk_q_trash"]);
    for (query, n) in [
        ("", "4"),
        ("tag:prod", "2"),
        ("TAG:Prod tag:ci", "1"),
        ("tag:pro", "0"),
        ("expired:<30d", "1"),
        ("expired:<41d", "2"),
        ("expires:<7d", "1"),
        ("is:never", "1"),
        ("is:trash tag:prod", "1"),
        ("label:\"old db\"", "1"),
        ("gith", "1"),
        ("token:tk_q_o", "2"),
    ] {
        assert_eq!(
            cli.ok(&["count", "--query", query]),
            n,
            "count --query {query:?}"
        );
    }
    let page: serde_json::Value =
        serde_json::from_str(&cli.ok(&["list", "--json", "--query", "github is:active"])).unwrap();
    assert_eq!(page["records"][0]["token"], "tk_q_github");
    assert_eq!(page["records"].as_array().unwrap().len(), 1);
    let table = cli.ok(&["list", "--query", "token:tk_q_m", "--sort", "token"]);
    assert!(
        table.contains("tk_q_mail") && !table.contains("tk_q_old"),
        "{table}"
    );

    for (query, term) in [
        ("foo:bar", "foo:bar"),
        ("expires:<abc", "expires:<abc"),
        ("tag:", "tag:"),
    ] {
        let msg = cli.fails(&["count", "--query", query], 7);
        assert!(
            msg.contains("invalid query") && msg.contains(&format!("\"{term}\"")),
            "{msg}"
        );
    }
    cli.fails(&["list", "--query", "is:active is:expired"], 7);
    cli.fails(&["count", "--query", "tag:prod", "--status", "active"], 2);
    cli.fails(&["list", "--query", "tag:prod", "--deleted", "only"], 2);
    // Export selects the same way.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prod.vsb");
    let file = file.to_str().unwrap();
    assert_eq!(cli.ok(&["export", file, "--query", "tag:prod"]), "2");
}

/// `-q` leaves out what only confirms a change (counts of changed records), keeps what
/// was asked for (a token, a count, a dry run), and never hides an error.
async fn quiet_leaves_out_confirmations_but_never_errors(ctx: &Ctx) {
    let cli = Run { ctx };
    let token = cli.ok(&[
        "-q",
        "create",
        "--password-env",
        "PW",
        "--value-env",
        "VALUE",
    ]);
    assert!(
        token.starts_with("tk_"),
        "the token is the result: {token:?}"
    );
    let renew = ["renew", "--query", "", "--expires-in", "30d"];
    assert_eq!(cli.ok(&renew), "renewed 1 record");
    assert_eq!(cli.ok(&[&["--quiet"][..], &renew].concat()), "");
    assert_eq!(
        cli.ok(&["soft-delete", "--query", "", "--dry-run", "-q"]),
        format!("would change 1 record: {token}")
    );
    assert_eq!(cli.ok(&["-q", "purge-expired"]), "");
    assert_eq!(cli.ok(&["-q", "undo"]), "");
    assert_eq!(cli.ok(&["-q", "count"]), "1");
    let missing = cli.fails(
        &["-q", "read", "tk_nosuchtokenhere", "--password-env", "PW"],
        3,
    );
    assert!(missing.contains("tk_nosuchtokenhere"), "{missing}");
}

/// A vault written by a newer VaultStore (a later schema) is refused, with a message
/// saying to upgrade, and left as it was.
async fn a_vault_from_a_newer_vaultstore_is_refused_with_a_clear_message(ctx: &Ctx) {
    let cli = Run { ctx };
    cli.ok(&["create", "--password-env", "PW", "--value-env", "VALUE"]);
    ctx.exec("UPDATE vault_meta SET value = '99' WHERE name = 'schema_version'")
        .await;
    let refused = cli.fails(&["count"], 7);
    assert!(
        refused.contains("version 99 was written by a newer VaultStore")
            && refused.contains("upgrade VaultStore"),
        "{refused}"
    );
    cli.fails(
        &["create", "--password-env", "PW", "--value-env", "VALUE"],
        7,
    );
    ctx.exec("UPDATE vault_meta SET value = '3' WHERE name = 'schema_version'")
        .await;
    assert_eq!(cli.ok(&["count"]), "1", "the refused opens changed nothing");
}

on_every_backend!(
    quiet_leaves_out_confirmations_but_never_errors,
    a_vault_from_a_newer_vaultstore_is_refused_with_a_clear_message,
    a_password_in_db_on_the_command_line_is_warned_about,
    export_and_import_move_a_vault_through_files,
    the_go_library_table_imports_from_the_command_line,
    every_command_works_as_documented,
    exit_codes_tell_scripts_what_went_wrong,
    secrets_never_appear_in_process_arguments,
    an_unreachable_database_exits_8,
    import_refuses_a_costly_kdf_unless_allowed,
    a_full_disk_on_stdout_fails_with_one_line_and_no_secret,
    a_closed_pipe_on_stdout_ends_quietly,
    values_print_byte_for_byte_with_json_escapes,
    upgrade_v2_reseals_go_values_then_the_vault_refuses_v2,
    list_and_count_take_a_query,
    bulk_commands_change_what_the_query_matches_and_undo_reverts,
    bulk_dry_runs_change_nothing_and_delete_needs_yes,
    history_lists_versions_reads_and_restores_them,
    audit_lists_who_did_what_and_verify_names_the_first_broken_entry,
);

fn create_token(cli: &Run, token: &str, extra: &[&str]) {
    let mut args = vec![
        "create",
        "--token",
        token,
        "--password-env",
        "PW",
        "--value-env",
        "VALUE",
    ];
    args.extend_from_slice(extra);
    assert_eq!(cli.ok(&args), token);
}

/// `renew`, `soft-delete`, `restore`, `delete` with `--query`, `tag add|remove` and
/// `undo` print how many records they changed, and change only the matching ones.
async fn bulk_commands_change_what_the_query_matches_and_undo_reverts(ctx: &Ctx) {
    let cli = Run { ctx };
    create_token(&cli, "tk_aa1", &["--expires-in", "1d"]);
    create_token(&cli, "tk_aa2", &[]);
    create_token(&cli, "tk_bb1", &[]);
    let never = |cli: &Run| cli.ok(&["count", "--status", "never-expires"]);
    assert_eq!(never(&cli), "2");
    let q = ["--query", "token:tk_aa"];
    assert_eq!(
        cli.ok(&[&["renew", "--expires-in", "30d"][..], &q].concat()),
        "renewed 2 records"
    );
    assert_eq!(never(&cli), "1");
    assert_eq!(
        cli.ok(&[&["renew", "--extend", "1d"][..], &q].concat()),
        "renewed 2 records"
    );
    assert_eq!(cli.ok(&["undo"]), "restored 2 records");
    assert_eq!(cli.ok(&["undo"]), "nothing to undo");
    assert_eq!(
        cli.ok(&[&["renew", "--never"][..], &q].concat()),
        "renewed 2 records"
    );
    assert_eq!(never(&cli), "3");

    assert_eq!(
        cli.ok(&["tag", "add", "team", "--query", ""]),
        "added the tag \"team\" to 3 records"
    );
    assert_eq!(
        cli.ok(&["tag", "remove", "team", "--query", "token:tk_bb"]),
        "removed the tag \"team\" from 1 record"
    );
    assert_eq!(
        cli.ok(&[&["soft-delete"][..], &q].concat()),
        "moved 2 records to the trash"
    );
    assert_eq!(cli.ok(&["count", "--deleted", "only"]), "2");
    assert_eq!(
        cli.ok(&["restore", "--query", "is:trash token:tk_aa1"]),
        "restored 1 record"
    );
    assert_eq!(cli.ok(&["count", "--deleted", "only"]), "1");

    // Live records only: tk_aa2 is in the trash.
    assert_eq!(
        cli.ok(&[&["delete", "--yes"][..], &q].concat()),
        "deleted 1 record"
    );
    assert_eq!(cli.ok(&["exists", "tk_aa1"]), "false");
    assert_eq!(cli.ok(&["undo"]), "restored 1 record");
    assert_eq!(cli.ok(&["read", "tk_aa1", "--password-env", "PW"]), VALUE);
    assert_eq!(
        cli.ok(&["count", "--deleted", "only"]),
        "1",
        "tk_aa2 is back in the trash"
    );

    // The single-token forms are as they were.
    cli.ok(&["soft-delete", "tk_bb1"]);
    cli.ok(&["restore", "tk_bb1"]);
    cli.ok(&["renew", "tk_bb1", "--expires-in", "2d"]);
}

async fn bulk_dry_runs_change_nothing_and_delete_needs_yes(ctx: &Ctx) {
    let cli = Run { ctx };
    create_token(&cli, "tk_aa1", &["--expires-in", "1d"]);
    create_token(&cli, "tk_aa2", &[]);
    create_token(&cli, "tk_bb1", &[]);
    let listing = |cli: &Run| cli.ok(&["list", "--json", "--deleted", "include"]);
    let before = listing(&cli);
    let q = ["--query", "token:tk_aa", "--dry-run"];
    for command in [
        &["renew", "--expires-in", "30d"][..],
        &["soft-delete"][..],
        &["delete"][..],
        &["tag", "add", "x"][..],
    ] {
        let out = cli.ok(&[command, &q].concat());
        assert!(
            out.starts_with("would change 2 records: "),
            "{command:?}: {out}"
        );
        assert!(out.contains("tk_aa1") && out.contains("tk_aa2") && !out.contains("tk_bb1"));
    }
    assert_eq!(
        cli.ok(&["restore", "--query", "token:tk_aa", "--dry-run"]),
        "would change 0 records"
    );
    assert_eq!(listing(&cli), before, "a dry run changes nothing");
    assert_eq!(cli.ok(&["undo"]), "nothing to undo");

    let refused = cli.fails(&["delete", "--query", "token:tk_aa"], 2);
    assert!(refused.contains("--yes"), "{refused}");
    let refused = cli.fails(&["renew", "tk_aa1", "--extend", "1d"], 2);
    assert!(refused.contains("--query"), "{refused}");
    let refused = cli.fails(&["soft-delete", "--query", "colour:blue"], 7);
    assert!(refused.contains("colour:blue"), "{refused}");
    cli.fails(&["soft-delete", "tk_aa1", "--query", "token:tk"], 2);
    let refused = cli.fails(&["soft-delete", "tk_aa1", "--dry-run"], 2);
    assert!(refused.contains("--query"), "{refused}");
    assert_eq!(listing(&cli), before, "refused commands change nothing");
}

/// `upgrade-v2` re-seals the Go values the given passwords open, names those left, and
/// once none is left the vault refuses v2: a v2 value written into a row later fails to
/// read with a one-line error (exit 1) that names the record.
async fn upgrade_v2_reseals_go_values_then_the_vault_refuses_v2(ctx: &Ctx) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/go-v2.json")).unwrap();
    let v = &vectors["vectors"][3];
    let (envelope, go_pw) = (
        v["envelope"].as_str().unwrap(),
        v["password"].as_str().unwrap(),
    );
    let cli = Run { ctx };
    let token = cli.ok(&[
        "create",
        "--token",
        "tk_go_cli",
        "--password-env",
        "PW",
        "--value-env",
        "VALUE",
    ]);
    // A vault from before v2 retirement, holding a value the Go library wrote.
    ctx.accept_v2().await;
    let inject = format!("UPDATE vault SET value = '{envelope}' WHERE token = '{token}'");
    ctx.exec(&inject).await;
    assert_eq!(
        cli.ok(&["upgrade-v2", "--password-env", "PW"]),
        "upgraded 0 records; 1 left (no password given opens them): tk_go_cli"
    );
    let with_go_pw = |args: &[&str]| from(cli.cmd(args).env("GO_PW", go_pw).output().unwrap());
    let done = with_go_pw(&[
        "upgrade-v2",
        "--password-env",
        "PW",
        "--password-env",
        "GO_PW",
    ]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(
        done.stdout,
        "upgraded 1 records; no v2 values left: this vault now refuses v2\n"
    );
    let read = with_go_pw(&["read", "tk_go_cli", "--password-env", "GO_PW"]);
    assert_eq!(read.stdout, format!("{}\n", v["value"].as_str().unwrap()));
    ctx.exec(&inject).await;
    let refused = with_go_pw(&["read", "tk_go_cli", "--password-env", "GO_PW"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    for says in ["tk_go_cli", "retired v2", "moved or injected"] {
        assert!(
            refused.stderr.contains(says),
            "{} should say {says:?}",
            refused.stderr
        );
    }
}

/// A bundle whose record claims the costliest key derivation accepted (1 GiB × 10 passes,
/// far beyond 4× any vault's own) is refused with the invalid-input exit code and a
/// message naming the token; `--allow-costly-kdf` imports it. Never read back.
async fn import_refuses_a_costly_kdf_unless_allowed(ctx: &Ctx) {
    let cli = Run { ctx };
    let dir = tempfile::tempdir().unwrap();
    let (plain, costly) = (
        dir.path().join("plain.json"),
        dir.path().join("costly.json"),
    );
    let token = cli.ok(&["create", "--password-env", "PW", "--value-env", "VALUE"]);
    assert_eq!(cli.ok(&["export", plain.to_str().unwrap()]), "1");
    let bytes = common::claiming_kdf_cost(
        &vaultstore::transfer::read_input(&plain).unwrap(),
        vaultstore::KdfParams::MAX_MEMORY_KIB,
        vaultstore::KdfParams::MAX_ITERATIONS,
    );
    std::fs::write(&costly, bytes).unwrap();
    let f = costly.to_str().unwrap();
    let refused = cli.fails(&["--table", "other", "import", f], 7);
    assert!(refused.contains(&token), "{refused}");
    assert_eq!(cli.ok(&["--table", "other", "count"]), "0");
    assert_eq!(
        cli.ok(&["--table", "other", "import", f, "--allow-costly-kdf"]),
        "created 1, skipped 0, overwritten 0, restored 0"
    );
}

/// The binary alone, with no vault reachable: `VAULTSTORE_DB` names a server that is not
/// there, so a command that opened a vault would fail.
fn bare(args: &[&str]) -> Result {
    let out = Command::new(env!("CARGO_BIN_EXE_vaultstore"))
        .args(args)
        .env("VAULTSTORE_DB", "postgres://nobody@127.0.0.1:1/none")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    from(out)
}

#[test]
fn version_names_the_release_and_the_git_commit() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or("unknown".to_owned(), |o| {
            String::from_utf8(o.stdout).unwrap().trim().to_owned()
        });
    let r = bare(&["--version"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "vaultstore {} (commit {commit})\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn completions_are_generated_for_bash_zsh_and_fish() {
    let bash = bare(&["completions", "bash"]);
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    assert!(
        bash.stdout.contains("complete -F _vaultstore")
            && bash.stdout.contains("change-password")
            && bash.stdout.contains("--password-env"),
        "{}",
        bash.stdout
    );
    // The script must load in bash: a syntax error would break every shell that sources it.
    let check = Command::new("bash")
        .args(["-n", "-c", &bash.stdout])
        .status()
        .unwrap();
    assert!(check.success(), "bash -n refused the completion script");
    let zsh = bare(&["completions", "zsh"]);
    assert!(
        zsh.stdout.starts_with("#compdef vaultstore"),
        "{}",
        zsh.stdout
    );
    let fish = bare(&["completions", "fish"]);
    assert!(
        fish.stdout.contains("complete -c vaultstore") && fish.stdout.contains("import-go"),
        "{}",
        fish.stdout
    );
    assert_eq!(
        bare(&["completions", "tcsh"]).code,
        2,
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_man_page_describes_every_command() {
    let man = bare(&["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.contains(".TH vaultstore 1"), "{}", man.stdout);
    for command in [
        "create",
        "read",
        "renew",
        "import",
        "completions",
        "\\-\\-quiet",
    ] {
        assert!(
            man.stdout.contains(command),
            "{command} missing from the man page"
        );
    }
}

/// Help is the one coloured output; `NO_COLOR` turns it off even when colour is forced.
#[test]
fn no_color_turns_off_colour() {
    let forced = Command::new(env!("CARGO_BIN_EXE_vaultstore"))
        .arg("--help")
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        String::from_utf8(forced.stdout).unwrap().contains('\x1b'),
        "forced colour shows escapes"
    );
    let plain = Command::new(env!("CARGO_BIN_EXE_vaultstore"))
        .arg("--help")
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8(plain.stdout).unwrap().contains('\x1b'));
}

/// `history`, `read --version`, `restore-version` and `history-retention`: an overwritten
/// value is still there, opens with its own password, and comes back.
async fn history_lists_versions_reads_and_restores_them(ctx: &Ctx) {
    let cli = Run { ctx };
    create_token(&cli, "tk_hist", &[]);
    let update = [
        "update",
        "tk_hist",
        "--password-env",
        "PW",
        "--value-env",
        "SHORT",
    ];
    cli.ok(&update);
    cli.ok(&[
        "rekey",
        "tk_hist",
        "--password-env",
        "PW",
        "--new-password-env",
        "NEW_PW",
    ]);
    let table = cli.ok(&["history", "tk_hist"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(lines[1].contains("created"), "{table}");
    assert!(lines[2].contains("value or password"), "{table}");
    assert!(lines[3].contains("(current)"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&cli.ok(&["history", "tk_hist", "--json"])).unwrap();
    let versions: Vec<i64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3]);
    assert_eq!(json[2]["current"], true);
    assert!(!json.to_string().contains(VALUE));

    // Each version with the password it was sealed under.
    let read =
        |n: &str, var: &str| cli.run(&["read", "tk_hist", "--version", n, "--password-env", var]);
    assert_eq!(read("1", "PW").stdout, format!("{VALUE}\n"));
    assert_eq!(read("2", "PW").stdout, "short\n");
    assert_eq!(read("3", "NEW_PW").stdout, "short\n");
    cli.fails(
        &[
            "read",
            "tk_hist",
            "--version",
            "1",
            "--password-env",
            "NEW_PW",
        ],
        4,
    );
    cli.fails(
        &["read", "tk_hist", "--version", "7", "--password-env", "PW"],
        7,
    );
    cli.fails(&["history", "tk_nothing_here"], 3);

    assert_eq!(
        cli.ok(&["restore-version", "tk_hist", "1", "--password-env", "PW"]),
        "version 1 of tk_hist is current again"
    );
    assert_eq!(cli.ok(&["read", "tk_hist", "--password-env", "PW"]), VALUE);
    cli.fails(
        &["restore-version", "tk_hist", "4", "--password-env", "PW"],
        7,
    );
    assert_eq!(cli.ok(&["history", "tk_hist"]).lines().count(), 5);

    assert_eq!(cli.ok(&["history-retention"]), "keeping every version");
    assert_eq!(
        cli.ok(&["history-retention", "--versions", "1"]),
        "keeping the last 1 versions of each token; dropped 2 versions"
    );
    assert_eq!(cli.ok(&["history", "tk_hist"]).lines().count(), 3);
    assert_eq!(cli.run(&["history-retention", "--versions", "0"]).code, 2);
    assert_eq!(
        cli.ok(&["history-retention", "--keep-all"]),
        "keeping every version; dropped 0 versions"
    );

    // Point in time: a moment after the rekey, before anything here existed of tk_later.
    let at = "2000-01-01T00:00:00Z";
    let plan = cli.ok(&["restore-to", at, "--dry-run"]);
    assert!(plan.contains("would move to the trash\ttk_hist"), "{plan}");
    assert!(plan.ends_with("would change 1 records as at 2000-01-01T00:00:00Z (0 restored, 0 recreated, 1 to the trash)"), "{plan}");
    assert_eq!(
        cli.ok(&["exists", "tk_hist"]),
        "true",
        "a dry run changes nothing"
    );
    let json: serde_json::Value =
        serde_json::from_str(&cli.ok(&["restore-to", at, "--filter", "tk_none", "--json"]))
            .unwrap();
    assert_eq!(json["trashed"], serde_json::json!([]));
    cli.ok(&["restore-to", at]);
    assert_eq!(
        cli.ok(&["exists", "tk_hist"]),
        "false",
        "moved to the trash"
    );
    cli.fails(&["restore-to", "yesterday"], 7);
}

/// `audit list` shows who did what; `audit verify` exits 0 on an intact log and 9 naming
/// the first entry someone altered.
async fn audit_lists_who_did_what_and_verify_names_the_first_broken_entry(ctx: &Ctx) {
    let cli = Run { ctx };
    create_token(&cli, "tk_audited", &[]);
    cli.ok(&[
        "--actor",
        "ops-bot",
        "read",
        "tk_audited",
        "--password-env",
        "PW",
    ]);
    let entries: serde_json::Value =
        serde_json::from_str(&cli.ok(&["audit", "list", "--json"])).unwrap();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "create");
    assert_eq!(entries[1]["action"], "reveal");
    assert_eq!(entries[1]["actor"], "ops-bot");
    assert_eq!(entries[1]["token"], "tk_audited");
    let table = cli.ok(&["audit", "list", "--token", "tk_audited"]);
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(!table.contains(VALUE) && !table.contains(PW));
    assert_eq!(
        cli.ok(&["audit", "list", "--since", "2999-01-01T00:00:00Z"])
            .lines()
            .count(),
        1
    );
    assert_eq!(
        cli.ok(&["audit", "verify"]),
        "audit log intact: 2 entries chain"
    );

    ctx.exec("UPDATE vault_audit SET action = 'renew' WHERE seq = 2")
        .await;
    let err = cli.fails(&["audit", "verify"], 9);
    assert!(err.contains("broken at entry 2"), "{err}");
}
