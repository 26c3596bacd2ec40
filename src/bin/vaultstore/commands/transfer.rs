//! Moving records in and out: bundles, plaintext exports, other managers' exports and the
//! Go library's table. Each runs in one transaction that Ctrl-C rolls back.

use vaultstore::Store;
use vaultstore::transfer::ImportOptions;

use super::records::query_of;
use crate::args::{ExportArgs, ImportArgs, ImportGoArgs, ImportPolicyArgs, TransferCommand};
use crate::failure::{Failure, Outcome};
use crate::output::{self, confirm, say};
use crate::progress::{cancel_on_ctrl_c, end_progress, progress};
use crate::secrets;

/// `go_table` is the global `--table`, which for import-go names the Go library's table.
pub async fn run(command: &TransferCommand, go_table: Option<&str>, store: &Store) -> Outcome {
    match command {
        TransferCommand::Export(args) => export(args, store).await,
        TransferCommand::Import(args) => import(args, store).await,
        TransferCommand::ImportGo(args) => {
            import_go(args, go_table.unwrap_or("vault"), store).await
        }
    }
}

async fn export(args: &ExportArgs, store: &Store) -> Outcome {
    let query = query_of(&args.filters)?;
    let cancel = cancel_on_ctrl_c();
    if !args.plaintext {
        let report = store
            .export_bundle(&query, &args.file, progress("exporting"), &cancel)
            .await?;
        end_progress();
        return confirm(&report.count.to_string());
    }
    if !args.i_understand_plaintext {
        return Err(Failure::Usage(format!(
            "--plaintext writes every value unencrypted to {}; add --i-understand-plaintext to confirm",
            args.file.display()
        )));
    }
    let passwords = secrets::passwords(&args.password_envs, &args.password_files)?;
    let export = store
        .export_plaintext(
            &query,
            &passwords,
            args.format,
            progress("decrypting"),
            &cancel,
        )
        .await?;
    end_progress();
    vaultstore::transfer::write_plain(&args.file, &export)?;
    if !export.unopened.is_empty() {
        eprintln!(
            "vaultstore: {} record(s) did not open with the given password(s) and were not exported: {}",
            export.unopened.len(),
            export.unopened.join(", ")
        );
    }
    confirm(&export.exported.to_string())
}

async fn import(args: &ImportArgs, store: &Store) -> Outcome {
    let options = ImportOptions {
        accept_v2: args.accept_v2,
        ..import_options(&args.policy, args.dry_run)
    };
    let bytes = read_input_file(&args.file)?;
    let cancel = cancel_on_ctrl_c();
    let report = match args.from {
        None => {
            store
                .import_bundle(&bytes, options, progress("importing"), &cancel)
                .await?
        }
        Some(format) => {
            let password = secrets::password(&args.password)?;
            store
                .import_foreign(
                    format,
                    &bytes,
                    &password,
                    options,
                    progress("importing"),
                    &cancel,
                )
                .await?
        }
    };
    end_progress();
    report_import(&report, args.json, args.dry_run)
}

async fn import_go(args: &ImportGoArgs, go_table: &str, store: &Store) -> Outcome {
    let options = import_options(&args.policy, args.dry_run);
    let cancel = cancel_on_ctrl_c();
    let report = store
        .import_go(
            &args.from,
            go_table,
            options,
            progress("importing"),
            &cancel,
        )
        .await?;
    end_progress();
    if report.created + report.overwritten > 0 && store.v2_retired_on().await?.is_none() {
        eprintln!(
            "vaultstore: this vault accepts Go v2 values, which are not bound to their token; \
             run `vaultstore upgrade-v2` with their passwords to re-seal them and refuse v2 again"
        );
    }
    report_import(&report, args.json, args.dry_run)
}

fn import_options(policy: &ImportPolicyArgs, dry_run: bool) -> ImportOptions {
    ImportOptions {
        on_conflict: policy.on_conflict,
        restore_deleted: policy.restore_deleted,
        dry_run,
        allow_costly_kdf: policy.allow_costly_kdf,
        accept_v2: false,
    }
}

/// An import file, read with the bundle limit as a hard cap.
fn read_input_file(path: &std::path::Path) -> Outcome<Vec<u8>> {
    vaultstore::transfer::read_input(path).map_err(|e| Failure::Input(e.to_string()))
}

/// The import's counts: asked for with `--json` or `--dry-run`, a confirmation otherwise
/// (left out with `--quiet`).
fn report_import(
    report: &vaultstore::transfer::ImportReport,
    json: bool,
    dry_run: bool,
) -> Outcome {
    let text = output::import_report(report, json);
    if json || dry_run {
        say(&text)
    } else {
        confirm(&text)
    }
}
