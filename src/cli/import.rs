//! `portcullis user import` and `user export`: a user base streamed from a
//! file (NDJSON, one user a line, or one JSON array) in batches through the
//! import pipeline, and written back out in the same format, hashes included.
//! Hashes leave only this way, never over HTTP.

use std::{
    collections::BTreeMap,
    fs::File,
    io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write},
    path::PathBuf,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::{
    context::AppContext,
    domain::{
        Tenant,
        users::import::{ImportBatch, ImportUser, MAX_BATCH, OnConflict, Outcome},
    },
    startup::BoxError,
    store::imports,
};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ConflictArg {
    Fail,
    Skip,
    Update,
}

/// One user as the file holds it (the fields of `POST /manage/v1/users/import`).
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_salt: Option<String>,
}

impl From<Line> for ImportUser {
    fn from(line: Line) -> Self {
        ImportUser {
            username: line.username,
            email: line.email,
            ext_id: line.ext_id,
            roles_given: line.roles.is_some(),
            tags_given: line.tags.is_some(),
            metadata_given: line.metadata.is_some(),
            roles: line.roles.unwrap_or_default(),
            tags: line.tags.unwrap_or_default(),
            metadata: line.metadata.unwrap_or_default().into_iter().collect(),
            status: line.status,
            created_at: line.created_at,
            password: line.password,
            password_hash: line.password_hash,
            password_salt: line.password_salt,
        }
    }
}

/// A line of the file: its number (from 1) and what it held.
type Numbered = (usize, Result<Line, String>);

/// What an import did, for the summary.
#[derive(Default)]
struct Tally {
    created: u64,
    updated: u64,
    skipped: u64,
    failed: u64,
}

pub async fn import(
    ctx: &AppContext,
    tenant: &Tenant,
    file: PathBuf,
    on_conflict: ConflictArg,
    batch: usize,
    report: Option<PathBuf>,
) -> Result<(), BoxError> {
    let batch = batch.clamp(1, MAX_BATCH);
    let reader =
        BufReader::new(File::open(&file).map_err(|err| format!("{}: {err}", file.display()))?);
    // The file is parsed on a thread of its own and handed over a few batches
    // at a time: memory stays bounded however large the file is.
    let (lines, mut batches) = mpsc::channel::<Vec<Numbered>>(2);
    let parser = std::thread::spawn(move || read_lines(reader, batch, &lines));
    let mut report_file = match &report {
        Some(path) => Some(BufWriter::new(File::create(path)?)),
        None => None,
    };
    let on_conflict = match on_conflict {
        ConflictArg::Fail => OnConflict::Fail,
        ConflictArg::Skip => OnConflict::Skip,
        ConflictArg::Update => OnConflict::Update,
    };
    let progress = std::io::stderr().is_terminal();
    let mut tally = Tally::default();
    while let Some(numbered) = batches.recv().await {
        let mut refused: Vec<(usize, String)> = Vec::new();
        let mut numbers = Vec::new();
        let mut users = Vec::new();
        for (number, line) in numbered {
            match line {
                Ok(line) => {
                    numbers.push(number);
                    users.push(ImportUser::from(line));
                }
                Err(reason) => refused.push((number, reason)),
            }
        }
        let outcomes = ctx
            .registrar
            .import(
                tenant,
                ImportBatch {
                    users,
                    on_conflict,
                    atomic: false,
                    hash_config: None,
                },
            )
            .await?;
        for (number, outcome) in numbers.into_iter().zip(outcomes) {
            match outcome {
                Outcome::Created(_) => tally.created += 1,
                Outcome::Updated(_) => tally.updated += 1,
                Outcome::Skipped(_) => tally.skipped += 1,
                Outcome::Failed(errors) => {
                    let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    refused.push((number, reasons.join("; ")));
                }
                Outcome::RolledBack => refused.push((number, "not imported".to_owned())),
            }
        }
        tally.failed += refused.len() as u64;
        refused.sort_unstable_by_key(|(number, _)| *number);
        for (number, reason) in refused {
            let entry = serde_json::json!({"line": number, "reason": reason});
            match report_file.as_mut() {
                Some(out) => writeln!(out, "{entry}")?,
                None => eprintln!("line {number}: {reason}"),
            }
        }
        if progress {
            eprint!(
                "\r{} created, {} updated, {} skipped, {} failed",
                tally.created, tally.updated, tally.skipped, tally.failed
            );
        }
    }
    parser
        .join()
        .map_err(|_| "the file reader stopped unexpectedly")??;
    if let Some(mut out) = report_file {
        out.flush()?;
    }
    if progress {
        eprintln!();
    }
    println!(
        "{} created, {} updated, {} skipped, {} failed",
        tally.created, tally.updated, tally.skipped, tally.failed
    );
    if tally.failed > 0 {
        return Err(format!("{} users were not imported", tally.failed).into());
    }
    Ok(())
}

/// Reads NDJSON, or one JSON array when the file starts with `[`, into batches.
fn read_lines(
    mut reader: BufReader<File>,
    batch: usize,
    out: &mpsc::Sender<Vec<Numbered>>,
) -> Result<(), String> {
    let starts_array = reader
        .fill_buf()
        .map_err(|err| err.to_string())?
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        == Some(&b'[');
    let mut pending = Vec::with_capacity(batch);
    let send = |item: Numbered, pending: &mut Vec<Numbered>| {
        pending.push(item);
        if pending.len() == batch {
            out.blocking_send(std::mem::take(pending))
                .map_err(|_| "the import stopped".to_owned())?;
        }
        Ok::<(), String>(())
    };
    // A file that cannot be read on stops the reading, but the users read
    // before that are still imported.
    let mut stopped = None;
    if starts_array {
        let mut items = serde_json::Deserializer::from_reader(reader.by_ref());
        let mut number = 0;
        let read = serde::Deserializer::deserialize_seq(
            &mut items,
            Elements(&mut |value: Value| {
                number += 1;
                let line = serde_json::from_value(value).map_err(|err| err.to_string());
                send((number, line), &mut pending)
            }),
        );
        if let Err(err) = read {
            stopped = Some(format!(
                "the JSON array is malformed after user {number}: {err}"
            ));
        }
    } else {
        for (index, text) in reader.lines().enumerate() {
            let sent = text
                .map_err(|err| format!("line {}: {err}", index + 1))
                .and_then(|text| {
                    if text.trim().is_empty() {
                        return Ok(());
                    }
                    let line = serde_json::from_str(&text).map_err(|err| err.to_string());
                    send((index + 1, line), &mut pending)
                });
            if let Err(err) = sent {
                stopped = Some(err);
                break;
            }
        }
    }
    if !pending.is_empty() {
        out.blocking_send(pending)
            .map_err(|_| "the import stopped".to_owned())?;
    }
    stopped.map_or(Ok(()), Err)
}

/// Visits a JSON array's elements one at a time, so the array is never held whole.
struct Elements<'a>(&'a mut dyn FnMut(Value) -> Result<(), String>);

impl<'de> serde::de::Visitor<'de> for Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of users")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            (self.0)(value).map_err(serde::de::Error::custom)?;
        }
        Ok(())
    }
}

/// Writes the tenant's users as NDJSON in the import format, password hashes
/// as stored (PHC strings, or the old system's until its user signs in).
pub async fn export(
    ctx: &AppContext,
    tenant: &Tenant,
    out: Option<PathBuf>,
) -> Result<(), BoxError> {
    let mut writer: Box<dyn Write> = match out {
        Some(path) => Box::new(BufWriter::new(private_file(&path)?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut after = 0;
    let mut count = 0u64;
    loop {
        let page = imports::export_page(&ctx.db, tenant.id, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for user in page {
            let line = Line {
                username: user.username,
                email: user.email,
                ext_id: user.ext_id,
                roles: Some(user.roles.iter().map(|r| r.as_str().to_owned()).collect()),
                tags: Some(user.tags),
                metadata: Some(match user.metadata {
                    Value::Object(map) => map.into_iter().collect(),
                    _ => BTreeMap::new(),
                }),
                status: Some(user.status),
                created_at: Some(user.created_at),
                password: None,
                password_hash: user.password_hash,
                password_salt: None,
            };
            serde_json::to_writer(&mut writer, &line)?;
            writer.write_all(b"\n")?;
            count += 1;
        }
    }
    writer.flush()?;
    eprintln!("{count} users exported");
    Ok(())
}

/// A new file only its owner may read: it holds password hashes.
fn private_file(path: &std::path::Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
