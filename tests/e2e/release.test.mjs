// Live releases: ship a canary with analysis and watch it roll back; roll back a good rolling
// update by hand; a link copied after live actions replays them to the same digest.
import path from "node:path";
import { assert, OUT } from "./harness.mjs";
import { open, RUN_TIMEOUT, stepUntil, summary } from "./app.helpers.mjs";

/** The sandbox of the canary scenario with its scheduled release switched off. */
const SANDBOX = "?v=1&view=sandbox&s=bad-release-canary&lang=en&k.release.enabled=false";

async function steps(page, n) {
  for (let i = 0; i < n; i++) await page.click("#step");
}

async function ship(page, { strategy, weight, maxError }) {
  await page.selectOption("#release-version", "v2");
  await page.selectOption("#release-strategy", strategy);
  if (weight !== undefined) {
    await page.fill("#release-weight", String(weight));
    await page.locator("#release-weight").blur();
  }
  if (maxError !== undefined) {
    await page.fill("#release-max-error", String(maxError));
    await page.locator("#release-max-error").blur();
  }
  await page.click("#release-ship");
  // The release controller picks it up on its next tick.
  await page.click("#step");
  await page.waitForSelector("[data-testid=release-status]");
}

/** Plays at full speed to the end (the sandbox has no grade panel) and waits for the digest. */
async function playToEnd(page, speed = "0") {
  await page.selectOption("#speed", speed);
  if (await page.getAttribute("#phase", "data-phase") !== "running") await page.click("#play");
  await page.waitForSelector("#phase[data-phase=finished]", { timeout: RUN_TIMEOUT });
  await page.waitForSelector("[data-testid=digest]", { state: "attached" });
}

async function status(page) {
  return page.$eval("[data-testid=release-status]", (s) => ({
    outcome: s.dataset.outcome,
    blast: Number(s.querySelector("[data-testid=release-blast]").textContent),
    ttd: s.querySelector("[data-testid=release-ttd]").textContent.trim(),
    ttr: s.querySelector("[data-testid=release-ttr]").textContent.trim(),
    serving: s.querySelector("[data-testid=release-serving]").textContent.trim(),
  }));
}

export const tests = {
  async "release: a live canary with analysis of a bad v2 rolls back with a blast radius"({ page, base }) {
    await open(page, base, SANDBOX, "#release-ship");
    // The switched-off release's own knobs do nothing, so they are not shown.
    assert(!(await page.isVisible('[data-path="release.strategy"]')), "the scheduled release's knobs are hidden");
    assert(await page.isVisible('[data-path="release.enabled"]'), "the switch itself is shown");
    await steps(page, 5);
    await ship(page, { strategy: "canary", weight: 10, maxError: 5 });
    assert(page.url().includes("act="), "the release is in the link: " + page.url());
    await playToEnd(page);
    const s = await status(page);
    console.log(`     live canary: ${JSON.stringify(s)}`);
    assert(s.outcome === "rolled_back", "the analysis rolled it back: " + s.outcome);
    assert(s.blast > 0, "a blast radius: " + s.blast);
    assert(s.ttd !== "–", "a time to detect: " + s.ttd);
    assert(/^v1 100 %$/.test(s.serving), "v1 serves everything again: " + s.serving);
    await page.screenshot({ path: path.join(OUT, "release-canary-rolled-back.png"), fullPage: true });
  },

  async "release: rolling back a good rolling update by hand brings v1 back"({ page, base }) {
    await open(page, base, SANDBOX + "&k.versions.1.error_rate=0", "#release-ship");
    await steps(page, 5);
    await ship(page, { strategy: "rolling_update" });
    // Stepping, not playing: the run cannot end between seeing "completed" and the rollback.
    await stepUntil(page, (p) => p.isVisible("[data-testid=release-status][data-outcome=completed]"), "the rolling update completed");
    const done = await status(page);
    assert(/v2 100 %/.test(done.serving), "v2 serves after the update: " + done.serving);
    await page.click("#release-rollback");
    assert(/act=[^&]*rollback/.test(page.url()), "the rollback is in the link: " + page.url());
    await playToEnd(page);
    const s = await status(page);
    console.log(`     rolled back by hand: ${JSON.stringify(s)} (after the update: ${done.serving})`);
    assert(s.outcome === "rolled_back", "rolled back: " + s.outcome);
    assert(s.serving === "v1 100 %", "v1 serves again: " + s.serving);
    await page.screenshot({ path: path.join(OUT, "release-rolled-back-by-hand.png"), fullPage: true });
  },

  async "release: a link copied after live actions replays them to the same digest"({ page, context, base }) {
    await open(page, base, SANDBOX + "&present=1", "#release-ship");
    await steps(page, 3);
    await page.click("#fault-0");
    await steps(page, 4);
    await ship(page, { strategy: "canary", weight: 20, maxError: 10 });
    await stepUntil(page, (p) => p.evaluate(() => document.querySelector("#sim-time")?.textContent >= "00:40"), "00:40");
    await page.keyboard.press("b");
    await playToEnd(page);
    const a = { ...(await summary(page)), release: (await status(page)).outcome };
    const url = await page.inputValue("#share-url");
    const acts = url.match(/act=/g)?.length ?? 0;
    assert(acts === 3, `three live actions in the link (${acts}): ${url}`);
    const other = await context.newPage();
    await open(other, "", url, "#play");
    await playToEnd(other);
    const b = { ...(await summary(other)), release: (await status(other)).outcome };
    console.log(`     ${url.slice(url.indexOf("?"))} → ${JSON.stringify(a)}`);
    assert(JSON.stringify(a) === JSON.stringify(b), `same summary and digest: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  },

  async "release: a corrupt action in a link is skipped with a notice, the rest kept"({ page, base }) {
    await open(page, base, SANDBOX + "&seed=99&act=5000000,explode", "#release-ship");
    assert(await page.inputValue("#seed") === "99", "the seed is kept");
    const notices = await page.textContent("[data-testid=notices]");
    assert(/live action/.test(notices), "a notice: " + notices);
  },
};
