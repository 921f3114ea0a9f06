// A tiny test harness over playwright-core: serves dist/, gives each test a fresh page,
// fails a test on any console error or failed request, and prints "N passed, N failed".
import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const MIME = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm",
  ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png" };

export const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), "out");

export function serve(dir) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let file = path.join(dir, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end("not found"); return; }
      res.writeHead(200, { "Content-Type": MIME[path.extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** How long any single wait may take before the test counts as stuck (ms). */
export const WAIT_MS = 180000;

export function assert(condition, message) {
  if (!condition) throw new Error("assertion failed: " + message);
}

/** The system Chromium, headless, without background traffic. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

export async function runSuites(suites) {
  fs.mkdirSync(OUT, { recursive: true });
  let server = null;
  let base = process.env.APP_URL;
  if (!base) {
    const dir = path.resolve(process.env.DIST_DIR ?? "dist");
    server = await serve(dir);
    base = `http://127.0.0.1:${server.address().port}/`;
  }
  const browser = await launch();
  let passed = 0, failed = 0;
  const filter = process.env.E2E_FILTER;
  for (const suite of suites) {
    for (const [name, body] of Object.entries(suite)) {
      if (filter && !name.includes(filter)) continue;
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      // Waits are on conditions; the timeout only decides when a wait counts as stuck, so it is
      // generous enough for a slow machine running another build.
      context.setDefaultTimeout(WAIT_MS);
      context.setDefaultNavigationTimeout(WAIT_MS);
      const problems = [];
      const watch = (page) => {
        page.on("console", (msg) => { if (msg.type() === "error") problems.push("console error: " + msg.text()); });
        page.on("pageerror", (err) => problems.push("page error: " + err.message));
        page.on("requestfailed", (req) => problems.push("request failed: " + req.url()));
        page.on("response", (res) => { if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`); });
      };
      context.on("page", watch);
      const started = Date.now();
      try {
        const page = await context.newPage();
        await body({ page, context, base, browser });
        if (problems.length) throw new Error(problems.join("\n"));
        passed++;
        console.log(`ok   ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        failed++;
        console.log(`FAIL ${name} (${Date.now() - started} ms)\n     ${String(error.stack ?? error).split("\n").join("\n     ")}`);
      } finally {
        await context.close();
      }
    }
  }
  await browser.close();
  server?.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
