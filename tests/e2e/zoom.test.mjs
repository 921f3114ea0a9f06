// Zooming into a minute: a flow-level run (the 100,000-user flash sale), scrubbed to a second,
// replays that second's minute request by request in the cluster view, with its own clock and
// counters, and goes back with Esc or the button.
import path from "node:path";
import { assert, OUT } from "./harness.mjs";
import { noFreeze, open, playUrl, runToEnd, watchLongTasks } from "./app.helpers.mjs";

/** The replay's clock (simulated seconds) and requests answered, as shown. */
async function replay(page) {
  return page.evaluate(() => ({
    t: Number(document.querySelector("#zoom-time")?.dataset.t ?? NaN),
    answered: Number(document.querySelector("#zoom-answered")?.textContent ?? NaN),
  }));
}

export const tests = {
  async "a flow run's minute replays request by request, and Esc or the button goes back"({ page, base }) {
    await watchLongTasks(page);
    await open(page, base, playUrl("flash-sale-100k-users", "&lang=ko"), "#play");
    await runToEnd(page);
    await page.$eval("#scrub", (el) => {
      el.value = "1000";
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await page.waitForFunction(() => document.querySelector("[data-testid=gauges-at]")?.dataset.t === "1000");
    const label = await page.textContent("#zoom-open");
    assert(label.includes("이 1분을 요청 단위로 다시 보기") && label.includes("16:00–17:00"), `the control names the minute shown: ${label}`);
    const since = await page.evaluate(() => performance.now());
    await page.click("#zoom-open");
    await page.waitForSelector("[data-testid=zoom]");
    await page.waitForFunction(() => Number(document.querySelector("#zoom-answered")?.textContent) > 0, null, { timeout: 30000 });
    const first = await replay(page);
    await page.waitForFunction((n) => Number(document.querySelector("#zoom-answered")?.textContent) > n, first.answered, { timeout: 30000 });
    const later = await replay(page);
    assert(later.t >= 960 && later.t <= 1020, `the replay's clock is in its minute: ${later.t}`);
    assert(later.answered > first.answered, "the replay's counters move");
    const dots = await page.waitForFunction(() => {
      const c = document.querySelector("[data-testid=zoom] .cluster-flow");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
      return false;
    }, null, { timeout: 20000 }).then(() => true, () => false);
    assert(dots, "requests flow as dots in the replay");
    await page.screenshot({ path: path.join(OUT, "zoom-replay.png") });
    await noFreeze(page, "building and playing the replay", since);
    await page.keyboard.press("Escape");
    await page.waitForSelector("[data-testid=zoom]", { state: "detached" });
    await page.screenshot({ path: path.join(OUT, "zoom-back.png") });
    await page.waitForSelector("#zoom-open", { timeout: 5000 });
    assert(await page.textContent("#zoom-open").then((l) => l.includes("16:00")), "back on the flow run, scrubbed where it was");
    await page.setViewportSize({ width: 375, height: 800 });
    await page.click("#zoom-open");
    await page.waitForSelector("#zoom-back");
    for (const sel of ["#zoom-back", "#zoom-play", ".zoom-speed"]) {
      const box = await page.locator(sel).first().boundingBox();
      assert(box.height >= 44 && box.width >= 44, `${sel} is a 44 px touch target at 375 px: ${box.width}×${box.height}`);
    }
    await page.click("#zoom-back");
    await page.waitForSelector("[data-testid=zoom]", { state: "detached" });
    console.log(`     replay at ${later.t} s: ${first.answered} → ${later.answered} requests answered`);
  },
};
