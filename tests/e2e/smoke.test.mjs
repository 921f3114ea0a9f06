import path from "node:path";
import { assert, OUT } from "./harness.mjs";

/** Counts canvas pixels that are not background-white: a blank chart has none. */
export async function paintedPixels(page, selector) {
  return page.$eval(selector, (canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) painted++;
    return painted;
  });
}

export const tests = {
  async "the app mounts, runs and paints its chart"({ page, base }) {
  await page.goto(base);
  await page.waitForSelector("#run");
  await page.fill("#seed", "7");
  await page.click("#run");
  await page.waitForFunction(() => document.querySelector("#status")?.textContent === "200 points");
  const painted = await paintedPixels(page, "#chart");
  assert(painted > 500, `chart canvas is painted (${painted} non-white pixels)`);
  await page.screenshot({ path: path.join(OUT, "smoke.png"), fullPage: true });
}
};
