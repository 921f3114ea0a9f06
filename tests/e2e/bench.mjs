// `cargo xtask bench` (never part of the tests): the page's responsiveness and time to first
// render in the system Chromium, and the engine figures xtask measured before, each printed next
// to the checked-in baseline with the change in %. It never fails on a slow machine: figures are
// for reading in the note of the change that moved them.
//
// Inputs (set by xtask): DIST_DIR; BENCH_CRITERION, criterion's output folder (the native engine
// bench just run); BENCH_BROWSER_EPS, the engine's events/s in Chromium (tests/browser_speed.rs);
// BENCH_BASELINE (bench/baseline.json); BENCH_SAVE=1 to rewrite the baseline.
import fs from "node:fs";
import path from "node:path";
import { launch, serve, WAIT_MS } from "./harness.mjs";
import { open, playUrl, RUN_TIMEOUT, scenarioIds } from "./app.helpers.mjs";

/** Cold loads measured for the time to first render (the median is reported). */
const LOADS = 5;
/** Main-thread tasks shorter than this are scheduling noise, left out of the distribution (ms). */
const MIN_TASK_MS = 1;

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (x) => Math.round(x * 10) / 10;

/** Every top-level task of the page's main thread in a Chromium trace, in ms. */
function mainThreadTasks(trace) {
  const events = JSON.parse(trace.toString("utf8")).traceEvents ?? [];
  const main = new Set(events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`));
  return events
    .filter((e) => e.ph === "X" && /RunTask$/.test(e.name) && main.has(`${e.pid}:${e.tid}`))
    .map((e) => e.dur / 1000);
}

/** Native events/s from criterion's files (median time per run), then the browser's figure. */
function engineFigures() {
  const figures = {};
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const dir = process.env.BENCH_CRITERION;
  for (const file of fs.existsSync(dir) ? walk(dir).filter((f) => f.endsWith(path.join("new", "benchmark.json"))) : []) {
    const bench = JSON.parse(fs.readFileSync(file, "utf8"));
    const est = JSON.parse(fs.readFileSync(path.join(path.dirname(file), "estimates.json"), "utf8"));
    const events = bench.throughput?.Elements;
    if (events) figures[`engine native, ${bench.full_id} (events/s)`] = { value: Math.round(events / (est.median.point_estimate / 1e9)), lower: false };
  }
  const browserEps = Number(process.env.BENCH_BROWSER_EPS);
  if (browserEps > 0) figures["engine in Chromium, mm16_rho0.9 sliced as the app (events/s)"] = { value: Math.round(browserEps), lower: false };
  return figures;
}

async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(WAIT_MS);
  return { context, page: await context.newPage() };
}

async function measure(browser, base) {
  const figures = {};
  const renders = [];
  for (let i = 0; i < LOADS; i++) {
    const { context, page } = await newPage(browser);
    renders.push(await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]"));
    await context.close();
  }
  renders.sort((a, b) => a - b);
  figures["first render, catalog (ms, median of 5 cold loads)"] = { value: percentile(renders, 50), lower: true };

  const { context, page } = await newPage(browser);
  const ids = await scenarioIds(page, base);
  await context.close();
  for (const id of ids) {
    const { context, page } = await newPage(browser);
    await open(page, base, playUrl(id, "&lang=en"), "#play");
    await page.selectOption("#speed", "0");
    await browser.startTracing(page, { categories: ["toplevel"] });
    await page.click("#play");
    await page.waitForSelector("#phase[data-phase=finished]", { timeout: RUN_TIMEOUT });
    const tasks = mainThreadTasks(await browser.stopTracing()).filter((d) => d >= MIN_TASK_MS).sort((a, b) => a - b);
    await context.close();
    for (const [name, p] of [["p50", 50], ["p95", 95], ["max", 100]]) {
      figures[`${id}: main-thread task ${name} (ms, ${tasks.length} tasks ≥ ${MIN_TASK_MS} ms)`] = { value: round(p === 100 ? tasks.at(-1) ?? 0 : percentile(tasks, p)), lower: true };
    }
  }
  return figures;
}

/** The figure's key without its sample count, so a baseline entry matches across runs. */
const stable = (name) => name.replace(/\(ms, \d+ tasks/, "(ms, tasks");

function report(figures, baseline) {
  const rows = Object.entries(figures).map(([name, f]) => {
    const was = baseline[stable(name)];
    const change = was ? ((f.value - was) / was) * 100 : null;
    const verdict = change === null ? "new" : Math.abs(change) < 5 ? "≈" : (change < 0) === f.lower ? "better" : "worse";
    return [name, String(f.value), was === undefined ? "–" : String(was), change === null ? "–" : `${change >= 0 ? "+" : ""}${change.toFixed(1)} %`, verdict];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 8));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[0]) : i < 4 ? c.padStart(widths[i]) : c)).join("  ");
  console.log(line(["figure", "now", "baseline", "change", ""]));
  for (const r of rows) console.log(line(r));
  console.log("(events/s: higher is better; ms: lower is better. Figures vary with the machine's load: read them, never gate on them.)");
}

const dist = path.resolve(process.env.DIST_DIR ?? "dist");
const server = await serve(dist);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await launch();
const figures = { ...engineFigures(), ...(await measure(browser, base)) };
await browser.close();
server.close();

const baselineFile = process.env.BENCH_BASELINE;
const baseline = fs.existsSync(baselineFile) ? JSON.parse(fs.readFileSync(baselineFile, "utf8")).figures ?? {} : {};
report(figures, baseline);
if (process.env.BENCH_SAVE === "1") {
  const saved = { note: "cargo xtask bench --save-baseline; the machine it ran on is named below", machine: process.env.BENCH_MACHINE ?? "", figures: Object.fromEntries(Object.entries(figures).map(([k, f]) => [stable(k), f.value])) };
  fs.writeFileSync(baselineFile, JSON.stringify(saved, null, 2) + "\n");
  console.log(`baseline written to ${baselineFile}`);
}
