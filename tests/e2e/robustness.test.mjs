// Nothing a learner did is lost, and no link can break the page: the capped live actions, two
// tabs finishing at once, a full storage, damaged saved progress, a bad parameter in an embed,
// markup in every parameter.
import { assert } from "./harness.mjs";
import { open, playUrl, runToEnd, scenarioIds } from "./app.helpers.mjs";

const KEY = "scale-dojo.progress.v1";
const BACKUP = "scale-dojo.progress.v1.backup";

async function notices(page) {
  return page.$$eval("[data-testid=notice]", (n) => n.map((x) => x.textContent));
}

async function stored(page) {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "null"), KEY);
}

/** Opens the catalog inside the app (no reload: it shows what this tab holds in memory). */
async function catalogInApp(page) {
  await page.click("#nav-catalog");
  await page.waitForSelector("[data-testid=scenario-card]");
}

/** Waits until every scenario of `ids` has a status other than "not tried" in the catalog. */
async function waitTried(page, ids) {
  await page.waitForFunction((ids) => ids.every((id) => {
    const badge = document.querySelector(`[data-scenario="${id}"] [data-testid=scenario-status] .badge`);
    return badge && badge.dataset.status !== "NotTried";
  }), ids);
}

export const tests = {
  async "a link with ten stacked spikes plays to the end with a cap notice, no panic panel"({ page, base }) {
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0], "&lang=en" + "&act=0,fault,2".repeat(10)), "#play");
    const shown = (await notices(page)).join(" | ");
    assert(/10 live actions/.test(shown) && /first 8/.test(shown), "the cap notice: " + shown);
    await runToEnd(page);
    assert(!(await page.isVisible("#error-panel")), "no panic panel");
    const url = await page.inputValue("#share-url");
    assert((url.match(/act=/g) ?? []).length === 8, "the link keeps the first 8 actions: " + url);
    // Each further live action is refused with a notice, the run untouched.
    await open(page, base, playUrl(ids[0], "&lang=en&present=1" + "&act=0,fault,4".repeat(8)), "#fault-2");
    await page.click("#fault-2");
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=notice]")].some((n) => /at most 8 live actions/.test(n.textContent)));
    assert(!(await page.isVisible("#error-panel")), "no panic panel");
  },

  async "two tabs finishing different scenarios both keep their results"({ page, context, base }) {
    const ids = await scenarioIds(page, base);
    assert(ids.length >= 2, "two scenarios");
    const other = await context.newPage();
    await open(page, base, playUrl(ids[0], "&lang=en"), "#play");
    await open(other, base, playUrl(ids[1], "&lang=en"), "#play");
    // Both tabs run at once, each from the empty progress it read at the start.
    await Promise.all([runToEnd(page), runToEnd(other)]);
    const both = (p) => p && p.scenarios[ids[0]]?.runs === 1 && p.scenarios[ids[1]]?.runs === 1;
    assert(both(await stored(page)), "both results stored: " + JSON.stringify(await stored(page)));
    // Each tab took the other's result in through the storage event (no reload).
    for (const p of [page, other]) {
      await catalogInApp(p);
      await waitTried(p, [ids[0], ids[1]]);
    }
  },

  async "a full storage says so and loses nothing in memory"({ page, base }) {
    await page.addInitScript(() => {
      Storage.prototype.setItem = function () {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      };
    });
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0], "&lang=en"), "#play");
    await runToEnd(page);
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=notice]")].some((n) => /could not be saved/.test(n.textContent)));
    assert(await stored(page) === null, "nothing was written");
    await catalogInApp(page);
    await waitTried(page, [ids[0]]);
  },

  async "damaged saved progress is backed up, its results salvaged, with a notice"({ page, base }) {
    const ids = await scenarioIds(page, base);
    const good = JSON.stringify({ version: 1, scenarios: { [ids[0]]: { runs: 2, passed: true, best_met: 2, total: 2 }, [ids[1]]: { runs: 1, passed: false, best_met: 0, total: 2 } } });
    const damaged = good.slice(0, good.length - 12) + "\u0000<img src=x onerror=window.__xss=1>";
    await page.addInitScript(([key, raw]) => {
      if (!sessionStorage.getItem("seeded")) {
        sessionStorage.setItem("seeded", "1");
        localStorage.setItem(key, raw);
      }
    }, [KEY, damaged]);
    await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]");
    const shown = (await notices(page)).join(" | ");
    assert(/damaged/.test(shown) && shown.includes(BACKUP) && /1 readable results/.test(shown), "the notice: " + shown);
    assert(await page.evaluate((k) => localStorage.getItem(k), BACKUP) === damaged, "the original is kept byte for byte");
    const salvaged = await stored(page);
    assert(salvaged?.scenarios[ids[0]]?.passed === true && !salvaged.scenarios[ids[1]], "the complete entry is salvaged: " + JSON.stringify(salvaged));
    const badge = await page.$eval(`[data-scenario="${ids[0]}"] [data-testid=scenario-status] .badge`, (b) => b.dataset.status);
    assert(badge === "Passed", "the salvaged result is shown: " + badge);
    assert(await page.evaluate(() => window.__xss) === undefined, "no markup ran");
    // A later run adds to the salvage; the backup stays.
    await open(page, base, playUrl(ids[1], "&lang=en"), "#play");
    await runToEnd(page);
    const after = await stored(page);
    assert(after.scenarios[ids[0]].runs === 2 && after.scenarios[ids[1]].runs === 1, "merged: " + JSON.stringify(after));
    assert(await page.evaluate((k) => localStorage.getItem(k), BACKUP) === damaged, "the backup is untouched");
  },

  async "a bad language in an embed link keeps the embed, with a notice naming it"({ page, base }) {
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0], "&embed=1&ui=controls,charts&seed=42&lang=xx"), "#play");
    assert(!(await page.isVisible("header.top")), "still an embed: no site header");
    assert(!(await page.isVisible("[data-testid=knobs]")), "still only the chosen sections");
    assert(await page.inputValue("#seed") === "42", "the seed is kept");
    const shown = (await notices(page)).join(" | ");
    assert(/skipped: lang\b/.test(shown), "the notice names lang: " + shown);
    assert(page.url().includes("embed=1") && page.url().includes("s=" + ids[0]), "the link keeps its state: " + page.url());
  },

  async "markup in every parameter shows as text and never runs"({ page, base }) {
    const ids = await scenarioIds(page, base);
    const m = encodeURIComponent("<img src=x onerror=window.__xss=1>");
    const q = `?v=1&view=play&s=${ids[0]}&lang=${m}&seed=${m}&embed=${m}&present=${m}&ui=${m}&act=${m}&k.${m}=${m}&${m}=${m}`;
    await open(page, base, q, "#play");
    const texts = (await notices(page)).join(" | ");
    assert(texts.includes("<img src=x onerror"), "the markup is shown as text: " + texts);
    assert(await page.$$eval("[data-testid=notices] img, main img", (i) => i.length) === 0, "no element made from it");
    assert(await page.evaluate(() => window.__xss) === undefined, "no script ran");
    assert(!(await page.isVisible("#error-panel")), "no panic panel");
  },
};
