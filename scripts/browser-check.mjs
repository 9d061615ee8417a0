// Renders a pml report in headless Chromium over the DevTools protocol and checks it:
// no console errors or exceptions, no network requests, every timeline visible, no two text
// labels of a timeline overlapping, mark tooltips working. Writes a screenshot.
//
// node --experimental-websocket scripts/browser-check.mjs REPORT.html SHOT.png [--min-timelines N] [--full-page]
// The screenshot shows the page down to the end of the first incident, or all of it with
// --full-page.
// Needs Node 20+ (WebSocket behind the flag on 20, built in from 22) and Chromium
// (CHROMIUM=/path overrides the search). Exit status 0 when every check passes.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const minAt = args.indexOf("--min-timelines");
const minTimelines = minAt >= 0 ? Number(args.splice(minAt, 2)[1]) : 1;
const fullAt = args.indexOf("--full-page");
const fullPage = fullAt >= 0 && args.splice(fullAt, 1).length > 0;
const [htmlPath, shotPath] = args;
if (!htmlPath || !shotPath) {
  console.error("usage: browser-check.mjs REPORT.html SHOT.png [--min-timelines N] [--full-page]");
  process.exit(2);
}

function findChromium() {
  const candidates = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"].filter(Boolean);
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error("no Chromium found (apt-get install chromium, or set CHROMIUM)");
  return found;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const profile = mkdtempSync(join(tmpdir(), "pml-browser-"));
  const browser = spawn(findChromium(), [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-port=0",
    `--user-data-dir=${profile}`, "about:blank",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let browserLog = "";
  browser.stderr.on("data", (d) => { browserLog += d; });
  try {
    return await check(profile);
  } catch (e) {
    console.error(browserLog.split("\n").slice(-10).join("\n"));
    throw e;
  } finally {
    browser.kill("SIGTERM");
    await sleep(300);
    rmSync(profile, { recursive: true, force: true });
  }
}

async function check(profile) {
  // Chromium writes its port to DevToolsActivePort once it listens.
  let port;
  for (let i = 0; i < 150 && !port; i++) {
    await sleep(100);
    try { port = readFileSync(join(profile, "DevToolsActivePort"), "utf8").split("\n")[0]; } catch {}
  }
  if (!port) throw new Error("Chromium did not open its DevTools port in 15 s");
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const page = targets.find((t) => t.type === "page");
  if (!page) throw new Error("no page target");
  const ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });

  let nextId = 1;
  const pending = new Map();
  const waiters = [];
  const problems = [];
  const requests = [];
  ws.onmessage = (msg) => {
    const m = JSON.parse(msg.data);
    if (m.id && pending.has(m.id)) {
      const { ok, fail } = pending.get(m.id);
      pending.delete(m.id);
      m.error ? fail(new Error(JSON.stringify(m.error))) : ok(m.result);
      return;
    }
    if (m.method === "Runtime.consoleAPICalled" && (m.params.type === "error" || m.params.type === "warning")) {
      problems.push(`console.${m.params.type}: ` + m.params.args.map((a) => a.value ?? a.description).join(" "));
    } else if (m.method === "Runtime.exceptionThrown") {
      problems.push("exception: " + (m.params.exceptionDetails.exception?.description ?? m.params.exceptionDetails.text));
    } else if (m.method === "Log.entryAdded" && m.params.entry.level === "error") {
      problems.push("log error: " + m.params.entry.text + " " + (m.params.entry.url ?? ""));
    } else if (m.method === "Network.requestWillBeSent") {
      requests.push(m.params.request.url);
    }
    for (const w of waiters.filter((w) => w.method === m.method)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.ok(m.params);
    }
  };
  const send = (method, params = {}) => new Promise((ok, fail) => {
    const id = nextId++;
    pending.set(id, { ok, fail });
    ws.send(JSON.stringify({ id, method, params }));
  });
  const event = (method) => new Promise((ok) => waiters.push({ method, ok }));

  await send("Runtime.enable");
  await send("Log.enable");
  await send("Network.enable");
  await send("Page.enable");
  await send("Emulation.setDeviceMetricsOverride", { width: 1100, height: 900, deviceScaleFactor: 1, mobile: false });
  const url = pathToFileURL(resolve(htmlPath)).href;
  const loaded = event("Page.loadEventFired");
  await send("Page.navigate", { url });
  await loaded;
  await sleep(200);

  const { result } = await send("Runtime.evaluate", { returnByValue: true, expression: `(() => {
    const out = { timelines: [], tooltip: null, title: document.title };
    for (const svg of document.querySelectorAll("svg.timeline")) {
      const r = svg.getBoundingClientRect();
      const style = getComputedStyle(svg);
      const texts = [...svg.querySelectorAll("text")].map((t) => {
        const b = t.getBoundingClientRect();
        return { text: t.textContent, x: b.left, y: b.top, w: b.width, h: b.height };
      });
      const overlaps = [];
      for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i], b = texts[j];
        if (a.x < b.x + b.w - 0.5 && b.x < a.x + a.w - 0.5 && a.y < b.y + b.h - 0.5 && b.y < a.y + a.h - 0.5)
          overlaps.push([a.text, b.text]);
      }
      // Labels must lie inside the drawing and inside the visible part of its container.
      const box = svg.parentElement.getBoundingClientRect();
      const left = Math.max(r.left, box.left), right = Math.min(r.right, box.right);
      const outside = texts.filter((t) => t.x < left - 0.5 || t.x + t.w > right + 0.5 || t.y < r.top - 0.5 || t.y + t.h > r.bottom + 0.5).map((t) => t.text);
      const marks = svg.querySelectorAll(".mark").length;
      const untipped = [...svg.querySelectorAll(".mark")].filter((m) => !/^event #\\d+/.test(m.getAttribute("data-tip") || "")).length;
      out.timelines.push({ width: r.width, height: r.height, visible: r.width > 0 && r.height > 0 && style.display !== "none" && style.visibility !== "hidden",
        texts: texts.length, overlaps, outside, marks, untipped });
    }
    const mark = document.querySelector("svg.timeline .mark");
    if (mark) {
      const b = mark.getBoundingClientRect();
      mark.dispatchEvent(new MouseEvent("mousemove", { clientX: b.left + b.width / 2, clientY: b.top + b.height / 2, bubbles: true }));
      const tip = document.getElementById("tip");
      out.tooltip = { hidden: tip.hidden, text: tip.textContent };
      mark.dispatchEvent(new MouseEvent("mouseleave"));
    }
    const table = document.querySelector("table.sortable");
    if (table) {
      const th = table.querySelector("th");
      th.click();
      const first = table.tBodies[0].rows[0].cells[0].textContent;
      th.click();
      const firstDesc = table.tBodies[0].rows[0].cells[0].textContent;
      out.sort = { first, firstDesc, rows: table.tBodies[0].rows.length };
    }
    out.height = document.documentElement.scrollHeight;
    const inc = document.querySelector("article.incident");
    out.shotBottom = inc ? inc.getBoundingClientRect().bottom + window.scrollY + 12 : out.height;
    return out;
  })()` });
  const r = result.value;

  if (r.timelines.length < minTimelines) problems.push(`${r.timelines.length} timelines, expected at least ${minTimelines}`);
  r.timelines.forEach((t, i) => {
    if (!t.visible) problems.push(`timeline ${i + 1} is not visible (${t.width}x${t.height})`);
    for (const [a, b] of t.overlaps) problems.push(`timeline ${i + 1}: labels overlap: "${a}" and "${b}"`);
    for (const a of t.outside) problems.push(`timeline ${i + 1}: label outside the drawing: "${a}"`);
    if (t.untipped) problems.push(`timeline ${i + 1}: ${t.untipped} marks without an event tooltip`);
    if (t.marks === 0) problems.push(`timeline ${i + 1} has no marks`);
  });
  if (r.timelines.length && (!r.tooltip || r.tooltip.hidden || !/^event #\d+/.test(r.tooltip.text)))
    problems.push("hovering a mark shows no tooltip: " + JSON.stringify(r.tooltip));
  if (r.sort && r.sort.rows > 1 && r.sort.first === r.sort.firstDesc)
    problems.push("sorting a table twice did not reverse it: " + JSON.stringify(r.sort));
  const external = requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:") && u !== "about:blank");
  for (const u of external) problems.push("network request: " + u);

  const clipHeight = Math.min(Math.max(fullPage ? r.height : r.shotBottom, 300), 8000);
  const shot = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: 1100, height: clipHeight, scale: 1 } });
  writeFileSync(shotPath, Buffer.from(shot.data, "base64"));
  ws.close();

  const labels = r.timelines.reduce((n, t) => n + t.texts, 0);
  const marks = r.timelines.reduce((n, t) => n + t.marks, 0);
  console.log(`browser-check: ${r.title}: ${r.timelines.length} timelines, ${marks} marks, ${labels} labels, page ${r.height}px; screenshot ${shotPath}`);
  for (const p of problems) console.log("FAIL: " + p);
  return problems.length === 0;
}

main().then((ok) => process.exit(ok ? 0 : 1), (e) => { console.error("browser-check: " + e.message); process.exit(1); });
