//! JSON-RPC 2.0 messages and the MCP lifecycle: version negotiation (`initialize` for the
//! handshake revisions, `server/discover` and the per-request `_meta` envelope for 2026-07-28),
//! `ping`, `tools/list` and `tools/call`.

use std::io::{self, BufRead, Write};

use serde_json::{json, Map, Value};

use crate::captures::Captures;
use crate::tools;

/// Protocol revisions negotiated with `initialize`, oldest first.
pub const HANDSHAKE_VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// Protocol revisions of the per-request envelope (`server/discover`), oldest first.
pub const MODERN_VERSIONS: [&str; 1] = ["2026-07-28"];

/// The request `_meta` key that carries the protocol revision (2026-07-28).
const PROTOCOL_VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";

/// The result `_meta` key that names the server (2026-07-28).
const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";

/// The longest message read, in bytes; longer lines are refused and skipped.
const MAX_MESSAGE_BYTES: u64 = 16 << 20;

/// JSON-RPC error codes.
mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
}

/// What the server is told when started.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// How many captures are kept open at once (the least recently used is closed first).
    pub max_open_captures: usize,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            max_open_captures: 8,
        }
    }
}

/// A JSON-RPC error answer.
struct RpcError {
    code: i64,
    message: String,
    data: Option<Value>,
}

impl RpcError {
    fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }
}

/// The MCP server: the open captures and what was negotiated.
pub struct Server {
    captures: Captures,
}

impl Server {
    /// A server with no capture open yet.
    pub fn new(options: ServerOptions) -> Server {
        Server {
            captures: Captures::new(options.max_open_captures.max(1)),
        }
    }

    /// Reads messages from `input`, one per line, and writes each answer on a line of `output`
    /// until `input` ends. Only reading and writing can fail: a bad message gets an error
    /// answer and the server goes on.
    pub fn serve(&mut self, mut input: impl BufRead, mut output: impl Write) -> io::Result<()> {
        let mut line = Vec::new();
        loop {
            line.clear();
            let read =
                io::Read::take(&mut input, MAX_MESSAGE_BYTES + 1).read_until(b'\n', &mut line)?;
            if read == 0 {
                return Ok(());
            }
            let answer = if line.len() as u64 > MAX_MESSAGE_BYTES {
                // Skip the rest of the line.
                while !line.ends_with(b"\n") {
                    line.clear();
                    if io::Read::take(&mut input, 1 << 20).read_until(b'\n', &mut line)? == 0 {
                        break;
                    }
                }
                Some(error_answer(
                    Value::Null,
                    RpcError::new(
                        code::INVALID_REQUEST,
                        format!("message longer than {MAX_MESSAGE_BYTES} bytes"),
                    ),
                ))
            } else {
                match std::str::from_utf8(&line) {
                    Ok(text) if text.trim().is_empty() => None,
                    Ok(text) => self.handle(text),
                    Err(e) => Some(error_answer(
                        Value::Null,
                        RpcError::new(code::PARSE_ERROR, format!("message is not UTF-8: {e}")),
                    )),
                }
            };
            if let Some(answer) = answer {
                output.write_all(answer.as_bytes())?;
                output.write_all(b"\n")?;
                output.flush()?;
            }
        }
    }

    /// Handles one JSON-RPC message and returns the answer to send (one line of JSON), or
    /// `None` for a notification or a response.
    pub fn handle(&mut self, message: &str) -> Option<String> {
        let message: Value = match serde_json::from_str(message) {
            Ok(m) => m,
            Err(e) => {
                return Some(error_answer(
                    Value::Null,
                    RpcError::new(code::PARSE_ERROR, format!("message is not JSON: {e}")),
                ))
            }
        };
        let Value::Object(message) = message else {
            return Some(error_answer(
                Value::Null,
                RpcError::new(
                    code::INVALID_REQUEST,
                    "a message must be one JSON object (batches are not supported)",
                ),
            ));
        };
        let id = message.get("id").cloned();
        let method = message.get("method").and_then(Value::as_str);
        match (id, method) {
            // A notification (initialized, cancelled, ...): nothing to answer.
            (None, Some(_)) => None,
            // A response to a request: the server sends none.
            (Some(_), None) if message.contains_key("result") || message.contains_key("error") => {
                None
            }
            (Some(id), Some(method)) => {
                let params = message.get("params");
                Some(match self.request(method, params) {
                    Ok(result) => serde_json::to_string(
                        &json!({"jsonrpc": "2.0", "id": id, "result": result}),
                    )
                    .expect("JSON values serialize"),
                    Err(e) => error_answer(id, e),
                })
            }
            (id, None) => Some(error_answer(
                id.unwrap_or(Value::Null),
                RpcError::new(code::INVALID_REQUEST, "a request needs a \"method\""),
            )),
        }
    }

    /// Answers one request.
    fn request(&mut self, method: &str, params: Option<&Value>) -> Result<Value, RpcError> {
        let params = match params {
            None | Some(Value::Null) => None,
            Some(Value::Object(p)) => Some(p),
            Some(_) => {
                return Err(RpcError::new(
                    code::INVALID_PARAMS,
                    "\"params\" must be an object",
                ))
            }
        };
        let modern = envelope_version(params)?.is_some();
        let mut result = match method {
            "initialize" => initialize(params),
            "server/discover" => discover(modern)?,
            "ping" => json!({}),
            "tools/list" => {
                let mut list = json!({"tools": tools::list()});
                if modern {
                    list["cacheScope"] = "public".into();
                    list["ttlMs"] = 0.into();
                }
                list
            }
            "tools/call" => self.call(params)?,
            _ => {
                return Err(RpcError::new(
                    code::METHOD_NOT_FOUND,
                    format!("method not found: {method}"),
                ))
            }
        };
        if modern {
            result["resultType"] = "complete".into();
            let meta = result
                .as_object_mut()
                .expect("results are objects")
                .entry("_meta")
                .or_insert_with(|| json!({}));
            meta[SERVER_INFO_KEY] = server_info();
        }
        Ok(result)
    }

    /// `tools/call`: a tool's answer, or its error as a result with `isError`.
    fn call(&mut self, params: Option<&Map<String, Value>>) -> Result<Value, RpcError> {
        let name = params
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::new(code::INVALID_PARAMS, "tools/call needs a \"name\""))?;
        let empty = Map::new();
        let arguments = match params.and_then(|p| p.get("arguments")) {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(a)) => a,
            Some(_) => {
                return Err(RpcError::new(
                    code::INVALID_PARAMS,
                    "\"arguments\" must be an object",
                ))
            }
        };
        if !tools::exists(name) {
            return Err(RpcError::new(
                code::INVALID_PARAMS,
                format!(
                    "unknown tool '{name}': the tools are {}",
                    tools::NAMES.join(", ")
                ),
            ));
        }
        let captures = &mut self.captures;
        // A bug in a tool must not take the server down: it becomes that call's error.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tools::call(name, arguments, captures)
        }));
        Ok(match outcome {
            Ok(Ok(value)) => {
                let text = serde_json::to_string_pretty(&value).expect("JSON values serialize");
                json!({
                    "content": [{"type": "text", "text": text}],
                    "structuredContent": value,
                    "isError": false,
                })
            }
            Ok(Err(e)) => tool_error(&e.to_string()),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tool_error(&format!(
                    "internal error in pml (please report it): the {name} tool failed: {what}"
                ))
            }
        })
    }
}

/// A tool's failure as MCP wants it: a result the model reads, with `isError`.
fn tool_error(message: &str) -> Value {
    json!({"content": [{"type": "text", "text": message}], "isError": true})
}

/// The revision named in the request's `_meta` envelope (2026-07-28), if any; an error for a
/// revision this server does not speak.
fn envelope_version(params: Option<&Map<String, Value>>) -> Result<Option<&str>, RpcError> {
    let Some(version) = params
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(PROTOCOL_VERSION_KEY))
    else {
        return Ok(None);
    };
    match version.as_str() {
        Some(v) if MODERN_VERSIONS.contains(&v) => Ok(Some(v)),
        _ => Err(RpcError {
            code: code::UNSUPPORTED_PROTOCOL_VERSION,
            message: format!(
                "unsupported protocol version {version}: this server speaks {}",
                MODERN_VERSIONS.join(", ")
            ),
            data: Some(json!({"supported": MODERN_VERSIONS, "requested": version})),
        }),
    }
}

/// The server's name and version.
fn server_info() -> Value {
    json!({
        "name": "pml",
        "title": "pml: Process Monitor captures",
        "version": env!("CARGO_PKG_VERSION"),
    })
}

/// What the server offers: tools, whose list never changes.
fn capabilities() -> Value {
    json!({"tools": {"listChanged": false}})
}

/// Guidance for the model, given at connection.
const INSTRUCTIONS: &str = "Tools over Sysinternals Process Monitor captures (.PML files). \
Pass the capture's absolute path as `file`; it is opened once and reused. Start with `info` \
(what the capture holds) and `analyze` (handle races, sharing violations, unclosed opens, \
explained with a fix). Use `query` to list or group events with a where expression such as \
\"Process Name\" = 'cl.exe' and Result != 'SUCCESS', `event` for every column, the detail and \
the call stack of one event (by its index), `process_tree` for who started whom, `summary` for \
ProcMon's summaries, and `report` to write the HTML report. Given a capture of a run that \
worked and one of a run that failed, `diff` (with `good` and `bad` instead of `file`) ranks \
what changed by how likely it explains the failure. Answers are paged: check `truncated` and \
ask for the next page with `offset` only when needed.";

/// `initialize`: the handshake revision the client asked for when this server speaks it, else
/// the newest.
fn initialize(params: Option<&Map<String, Value>>) -> Value {
    let asked = params
        .and_then(|p| p.get("protocolVersion"))
        .and_then(Value::as_str);
    let version = match asked {
        Some(v) if HANDSHAKE_VERSIONS.contains(&v) => v,
        _ => HANDSHAKE_VERSIONS[HANDSHAKE_VERSIONS.len() - 1],
    };
    json!({
        "protocolVersion": version,
        "capabilities": capabilities(),
        "serverInfo": server_info(),
        "instructions": INSTRUCTIONS,
    })
}

/// `server/discover` (2026-07-28): the revisions and what the server offers.
fn discover(modern: bool) -> Result<Value, RpcError> {
    if !modern {
        return Err(RpcError::new(
            code::INVALID_PARAMS,
            format!("server/discover needs _meta.\"{PROTOCOL_VERSION_KEY}\""),
        ));
    }
    Ok(json!({
        "supportedVersions": MODERN_VERSIONS,
        "capabilities": capabilities(),
        "instructions": INSTRUCTIONS,
        "cacheScope": "public",
        "ttlMs": 0,
    }))
}

/// A JSON-RPC error answer.
fn error_answer(id: Value, error: RpcError) -> String {
    let mut e = json!({"code": error.code, "message": error.message});
    if let Some(data) = error.data {
        e["data"] = data;
    }
    serde_json::to_string(&json!({"jsonrpc": "2.0", "id": id, "error": e}))
        .expect("JSON values serialize")
}
