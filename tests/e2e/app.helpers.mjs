// Shared steps of the app's end-to-end tests: open a view, run to the end at full speed,
// read the summary, watch long tasks.
import { assert } from "./harness.mjs";

/**
 * The responsiveness guard of the suite: no main-thread task over this (ms), i.e. the page never
 * froze. Real tasks are tens of ms on a quiet machine, but on the shared 2-core box at load 12
 * `cargo xtask bench` saw single tasks of 235 ms: noise stretches tasks, so only a true freeze
 * (the run loop ignoring its budget takes seconds) may trip this. Speed is for the bench.
 */
export const FREEZE_MS = 1000;

/** Records every long task (> 50 ms) from the page's start in window.__longTasks. */
export async function watchLongTasks(page) {
  await page.addInitScript(() => {
    window.__longTasks = [];
    window.__longTaskObserver = false;
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: "longtask", buffered: true });
      window.__longTaskObserver = PerformanceObserver.supportedEntryTypes?.includes("longtask") === true;
    } catch (e) { /* unsupported: noFreeze fails rather than pass without looking */ }
  });
}

/** Fails when a task since `since` (page time, ms) froze the page, or when tasks cannot be observed. */
export async function noFreeze(page, label, since = 0) {
  const { observed, longest } = await page.evaluate((since) => ({
    observed: window.__longTaskObserver === true,
    longest: Math.max(0, ...(window.__longTasks ?? []).filter((t) => t.start + t.duration >= since).map((t) => t.duration)),
  }), since);
  assert(observed, `${label}: the browser does not report long tasks, so responsiveness cannot be checked`);
  assert(longest <= FREEZE_MS, `${label}: a task froze the page for ${Math.round(longest)} ms (guard ${FREEZE_MS} ms)`);
}

/** Opens `query` and waits for `selector`; returns the page time when it appeared (ms, for the bench). */
export async function open(page, base, query, selector) {
  await page.goto(base + (query ?? ""));
  const handle = await page.waitForFunction((sel) => {
    if (!document.querySelector(sel)) return false;
    return performance.now();
  }, selector, { polling: "raf" });
  return Math.round(await handle.jsonValue());
}

export function playUrl(id, extra = "") {
  return `?v=1&view=play&s=${encodeURIComponent(id)}${extra}`;
}

/** The scenario ids in catalog order. */
export async function scenarioIds(page, base) {
  await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]");
  return page.$$eval("[data-testid=scenario-card]", (cards) => cards.map((c) => c.dataset.scenario));
}

/** How long a whole run may take on a slow, busy machine before it counts as stuck (ms). */
export const RUN_TIMEOUT = 1200000;

/** Sets max speed, plays and waits for the end and its grade; returns the page time the run began. */
export async function runToEnd(page) {
  await page.selectOption("#speed", "0");
  const start = await page.evaluate(() => performance.now());
  await page.click("#play");
  await page.waitForSelector("#phase[data-phase=finished]", { timeout: RUN_TIMEOUT });
  await page.waitForSelector("[data-testid=grade]");
  return start;
}

/** The summary numbers as shown. */
export async function summary(page) {
  return page.$$eval("[data-testid=summary] dd", (dds) => Object.fromEntries(dds.map((d) => [d.dataset.testid, d.textContent.trim()])));
}

/** Sets every knob of the player to its reference value, through the controls. */
export async function setReference(page) {
  const knobs = await page.$$eval("[data-testid=knobs] .knob", (ks) => ks.map((k) => ({ path: k.dataset.path, kind: k.dataset.kind, reference: k.dataset.reference })));
  assert(knobs.length > 0, "the scenario has knobs");
  for (const k of knobs) {
    const id = "#knob-" + k.path.replaceAll(".", "-");
    if (k.kind === "choice") await page.selectOption(id, k.reference);
    else {
      await page.fill(id, k.reference);
      await page.press(id, "Enter");
      await page.locator(id).blur();
    }
  }
  return knobs;
}

/** Clicks Step (one simulated second each) until `done(page)` holds: no race with a running clock. */
export async function stepUntil(page, done, what, maxSteps = 1000) {
  for (let i = 0; i < maxSteps; i++) {
    if (await done(page)) return i;
    await page.click("#step");
  }
  throw new Error(`assertion failed: ${what} not reached in ${maxSteps} simulated seconds`);
}
