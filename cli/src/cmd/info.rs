//! `pml info`: what a capture holds.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use pml_analyzer::overview::Overview;
use pml_parser::render::thousands;
use pml_parser::{FileTime, OpenOptions, SplitCapture};
use serde::Serialize;

/// Arguments of `pml info`.
#[derive(clap::Args)]
pub struct Args {
    /// The capture (.PML).
    file: PathBuf,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Refuse a capture that was not closed cleanly or was cut off, instead of salvaging its events.
    #[arg(long)]
    strict: bool,
}

/// What `pml info --json` prints.
#[derive(Serialize)]
struct Info {
    file: String,
    version: u32,
    bitness: u32,
    computer: String,
    system_root: String,
    os: String,
    os_version: pml_parser::OsVersion,
    cpus: u32,
    memory_bytes: u64,
    max_user_address: String,
    events: u64,
    unreadable_events: u64,
    processes: usize,
    first_event: Option<String>,
    last_event: Option<String>,
    event_classes: BTreeMap<&'static str, u64>,
    salvaged: Option<pml_parser::SalvageReport>,
    warnings: Vec<String>,
    /// The ProcMon build family detected: `build`, `captured_by`, `evidence`.
    procmon_build: pml_parser::BuildDetection,
}

/// Runs `pml info`.
pub fn run(args: Args) -> Result<ExitCode> {
    let capture = match pml_import::kind_of_file(&args.file) {
        // ProcMon's CSV and XML exports are read as captures, as every command reads them.
        Ok(Some(pml_import::InputKind::Csv(_) | pml_import::InputKind::Xml)) => {
            crate::inputs::open_capture(&args.file)?
        }
        _ => OpenOptions::new().salvage(!args.strict).open(&args.file)?,
    };
    let split = SplitCapture::from(capture);
    let overview = Overview::compute(&split);
    let Some(capture) = split.captures().next() else {
        anyhow::bail!("no capture given");
    };
    let h = capture.header();
    let info = Info {
        file: args.file.display().to_string(),
        version: h.version,
        bitness: h.bitness(),
        computer: h.computer_name.clone(),
        system_root: h.system_root.clone(),
        os: h.os.display_name(),
        os_version: h.os.clone(),
        cpus: h.cpu_count,
        memory_bytes: h.memory_bytes,
        max_user_address: format!("{:#x}", h.max_user_address),
        events: capture.event_count(),
        unreadable_events: overview.unreadable_events,
        processes: capture.processes().len(),
        first_event: overview.first_time.map(FileTime::to_rfc3339),
        last_event: overview.last_time.map(FileTime::to_rfc3339),
        event_classes: overview.event_classes.clone(),
        salvaged: capture.salvage_report().cloned(),
        warnings: capture.warnings().to_vec(),
        procmon_build: capture.procmon_build().clone(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        print_text(&info);
    }
    for w in capture.warnings() {
        eprintln!(
            "pml: warning: {}: {}",
            pml_parser::for_terminal(&args.file.display().to_string()),
            pml_parser::for_terminal(w)
        );
    }
    let partial = overview.unreadable_events > 0
        || info
            .salvaged
            .as_ref()
            .is_some_and(|r| r.unreadable_bytes > 0);
    Ok(if partial {
        crate::exit::code(crate::exit::PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(info: &Info) {
    use pml_parser::for_terminal as t;
    let gib = info.memory_bytes as f64 / f64::from(1u32 << 30);
    println!("File:          {}", t(&info.file));
    println!(
        "Format:        PML version {}, {}-bit capture",
        info.version, info.bitness
    );
    let build = &info.procmon_build;
    println!(
        "ProcMon build: {}{} ({})",
        build.build,
        build
            .captured_by
            .as_ref()
            .map(|v| format!(", captured by {v}"))
            .unwrap_or_default(),
        t(&build.evidence)
    );
    println!("Computer:      {}", t(&info.computer));
    println!("OS:            {}", t(&info.os));
    println!("System root:   {}", t(&info.system_root));
    println!("CPUs / memory: {} / {gib:.1} GiB", info.cpus);
    println!("Events:        {}", thousands(info.events));
    if info.unreadable_events > 0 {
        println!(
            "Unreadable:    {} events",
            thousands(info.unreadable_events)
        );
    }
    println!("Processes:     {}", info.processes);
    if let Some(r) = &info.salvaged {
        println!(
            "Salvaged:      {} events, {} bytes unreadable{} ({})",
            thousands(r.events),
            thousands(r.unreadable_bytes),
            if r.tables_missing {
                ", tables missing"
            } else {
                ""
            },
            t(&r.reason)
        );
    }
    if let (Some(first), Some(last)) = (&info.first_event, &info.last_event) {
        println!("First event:   {first}");
        println!("Last event:    {last}");
    }
    println!("Event classes:");
    for (class, count) in &info.event_classes {
        println!("  {:<12} {:>12}", t(class), thousands(*count));
    }
}
