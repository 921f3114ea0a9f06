// Shared steps of the app's end-to-end tests: open a view, run to the end at full speed,
// read the summary, watch long tasks.
import { assert } from "./harness.mjs";

/** Records every long task (> 50 ms) from the page's start in window.__longTasks. */
export async function watchLongTasks(page) {
  await page.addInitScript(() => {
    window.__longTasks = [];
    // Also time every animation-frame callback (the run loop's slices and chart redraws),
    // including the microtasks it queued: the long-task observer only reports tasks > 50 ms.
    window.__frameMax = 0;
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (cb) => raf((ts) => {
      const t0 = performance.now();
      try { cb(ts); } finally {
        queueMicrotask(() => Promise.resolve().then(() => Promise.resolve()).then(() => {
          window.__frameMax = Math.max(window.__frameMax, performance.now() - t0);
        }));
      }
    });
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: "longtask", buffered: true });
    } catch (e) { /* not supported: the test below checks the frame gaps too */ }
  });
}

/** Opens `query` and waits for `selector`; returns the time from navigation to it (ms). */
export async function open(page, base, query, selector) {
  await page.goto(base + (query ?? ""));
  const handle = await page.waitForFunction((sel) => {
    if (!document.querySelector(sel)) return false;
    return performance.now();
  }, selector, { polling: "raf", timeout: 20000 });
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

/**
 * Sets max speed, plays, waits for the end. Returns the wall time of the run (ms), the longest
 * long task during it, and the longest gap between animation frames.
 */
export async function runToEnd(page, timeout = 120000) {
  await page.selectOption("#speed", "0");
  await page.evaluate(() => {
    window.__longTasks = window.__longTasks ?? [];
    window.__runStart = performance.now();
    window.__maxGap = 0;
    window.__frameMax = 0;
    let last = performance.now();
    const tick = (t) => {
      window.__maxGap = Math.max(window.__maxGap, t - last);
      last = t;
      if (document.querySelector("#phase")?.dataset.phase !== "finished") requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.click("#play");
  await page.waitForSelector("#phase[data-phase=finished]", { timeout });
  await page.waitForSelector("[data-testid=grade]", { timeout: 5000 });
  return page.evaluate(() => {
    const start = window.__runStart;
    const tasks = window.__longTasks.filter((t) => t.start + t.duration >= start);
    return {
      runMs: Math.round(performance.now() - start),
      longestTask: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
      longTasks: tasks.length,
      maxFrameGap: Math.round(window.__maxGap),
      longestFrame: Math.round((window.__frameMax ?? 0) * 10) / 10,
    };
  });
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
