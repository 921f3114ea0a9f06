import path from "node:path";
import { assert, OUT } from "./harness.mjs";
import { open, playUrl, runToEnd, scenarioIds } from "./app.helpers.mjs";

/** Counts canvas pixels that differ from the top-left (background) pixel: a blank chart has none. */
export async function paintedPixels(page, selector) {
  return page.$eval(selector, (canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - data[0]) + Math.abs(data[i + 1] - data[1]) + Math.abs(data[i + 2] - data[2]) > 30) painted++;
    return painted;
  });
}

export const tests = {
  async "the app mounts, runs a scenario and paints its charts"({ page, base }) {
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0]), "#play");
    await runToEnd(page);
    for (const chart of ["#chart-traffic", "#chart-latency", "#chart-pods", "#chart-cpu", "#chart-cost"]) {
      const painted = await paintedPixels(page, chart);
      assert(painted > 500, `${chart} is painted (${painted} pixels)`);
    }
    await page.click("[data-testid=event]");
    await page.screenshot({ path: path.join(OUT, "smoke.png"), fullPage: true });
  },
};
