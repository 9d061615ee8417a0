//! `pml info`: what a capture holds.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use pml_analyzer::info::CaptureInfo;
use pml_parser::render::thousands;
use pml_parser::{Capture, OpenOptions, SplitCapture};

/// Arguments of `pml info`.
#[derive(clap::Args)]
pub struct Args {
    /// The capture (.PML, or ProcMon's CSV or XML export): a file or a pattern such as
    /// `logs\*.pml`; the parts of a split capture (`X-1.PML`, ...) are counted with `X.PML`.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Refuse a capture that was not closed cleanly or was cut off, instead of salvaging its events.
    #[arg(long)]
    strict: bool,
}

/// Opens one file: an export as every command reads it, a PML strictly or salvaged.
fn open_file(file: &Path, strict: bool) -> Result<Capture> {
    Ok(match pml_import::kind_of_file(file) {
        // ProcMon's CSV and XML exports are read as captures, as every command reads them.
        Ok(Some(pml_import::InputKind::Csv(_) | pml_import::InputKind::Xml)) => {
            crate::inputs::open_capture(file)?
        }
        _ => OpenOptions::new().salvage(!strict).open(file)?,
    })
}

/// Runs `pml info`.
pub fn run(args: Args) -> Result<ExitCode> {
    let files = crate::inputs::expand(&args.files)?;
    let parts = files
        .iter()
        .map(|file| open_file(file, args.strict))
        .collect::<Result<Vec<_>>>()?;
    let split = SplitCapture::from_captures(parts);
    // Named after the part that comes first in time (a pattern may list `X-1.PML` before `X.PML`).
    let first = split.captures().next().and_then(|c| c.path());
    let name = files
        .iter()
        .find(|f| Some(f.as_path()) == first)
        .unwrap_or(&files[0])
        .display()
        .to_string();
    let info = CaptureInfo::compute(name.clone(), &split)
        .ok_or_else(|| anyhow::anyhow!("no capture given"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        print_text(&info);
    }
    for w in &info.warnings {
        eprintln!(
            "pml: warning: {}: {}",
            pml_parser::for_terminal(&name),
            pml_parser::for_terminal(w)
        );
    }
    let partial = info.partial();
    Ok(if partial {
        crate::exit::code(crate::exit::PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(info: &CaptureInfo) {
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
