// The app end to end, in the system Chromium: catalog, player runs, grading, URL state,
// language, small screens, no frozen page (speed itself is measured by `cargo xtask bench`).
import path from "node:path";
import { assert, OUT } from "./harness.mjs";
import { nativeDigest } from "./native.mjs";
import { noFreeze, open, playUrl, RUN_TIMEOUT, runToEnd, scenarioIds, setReference, summary, watchLongTasks } from "./app.helpers.mjs";

export const tests = {
  async "catalog: every scenario, grouped by chapter, with its status"({ page, base }) {
    await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]");
    const chapters = await page.$$eval("section.chapter", (s) => s.map((x) => x.dataset.chapter));
    const cards = await page.$$eval("[data-testid=scenario-card]", (c) => c.length);
    const statuses = await page.$$eval("[data-testid=scenario-status] .badge", (b) => b.map((x) => x.dataset.status));
    assert(cards >= 1, "scenarios listed");
    assert(statuses.every((s) => s === "NotTried"), "fresh learner has tried nothing: " + statuses);
    console.log(`     catalog: ${cards} scenarios in chapters ${chapters.join(", ")}`);
    await page.screenshot({ path: path.join(OUT, "catalog.png"), fullPage: true });
  },

  async "every scenario loads and runs to the end at full speed with a grade, the page never frozen"({ page, base }) {
    await watchLongTasks(page);
    const ids = await scenarioIds(page, base);
    for (const id of ids) {
      await open(page, base, playUrl(id, "&lang=en"), "[data-testid=player] #play");
      const start = await runToEnd(page);
      const grades = await page.$$eval("[data-testid=grade-item]", (g) => g.map((x) => x.dataset.passed));
      assert(grades.length > 0, `${id}: a grade per objective`);
      console.log(`     ${id}: objectives passed ${grades.filter((g) => g === "true").length}/${grades.length}`);
      await noFreeze(page, id, start);
      await page.screenshot({ path: path.join(OUT, `run-${id}.png`), fullPage: true });
    }
    await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]");
    const statuses = await page.$$eval("[data-testid=scenario-status] .badge", (b) => b.map((x) => x.dataset.status));
    assert(statuses.every((s) => s !== "NotTried"), "every scenario now has a status: " + statuses);
  },

  async "the starting configuration fails with a reason; the reference set through the UI passes"({ page, base }) {
    const ids = await scenarioIds(page, base);
    const id = ids[0];
    await open(page, base, playUrl(id, "&lang=en"), "#play");
    await runToEnd(page);
    assert(await page.getAttribute("[data-testid=verdict]", "data-passed") === "false", "the start fails");
    const reason = await page.textContent("[data-testid=grade-item][data-passed=false] [data-testid=reason]");
    assert(reason && reason.length > 10, "a reason is shown: " + reason);
    console.log(`     ${id} fails at the start: ${reason.trim()}`);
    await page.screenshot({ path: path.join(OUT, "failed-grade.png"), fullPage: true });
    await page.click("#reset");
    const knobs = await setReference(page);
    await runToEnd(page);
    const verdict = await page.getAttribute("[data-testid=verdict]", "data-passed");
    assert(verdict === "true", `the reference passes (${knobs.map((k) => k.path + "=" + k.reference).join(", ")})`);
    assert(await page.isVisible("[data-testid=questions]"), "follow-up questions shown");
    await page.screenshot({ path: path.join(OUT, "passed-grade.png"), fullPage: true });
  },

  async "a copied URL opened in a new page reproduces the same run"({ page, context, base }) {
    const ids = await scenarioIds(page, base);
    const id = ids[ids.length - 1];
    await open(page, base, playUrl(id, "&lang=en"), "#play");
    await page.fill("#seed", "12345");
    await page.press("#seed", "Enter");
    await page.locator("#seed").blur();
    const first = await page.$eval("[data-testid=knobs] .knob", (k) => ({ path: k.dataset.path, kind: k.dataset.kind, reference: k.dataset.reference }));
    if (first.kind !== "choice") {
      await page.fill("#knob-" + first.path.replaceAll(".", "-"), first.reference);
      await page.locator("#knob-" + first.path.replaceAll(".", "-")).blur();
    }
    await runToEnd(page);
    const a = await summary(page);
    const url = await page.inputValue("#share-url");
    assert(url.includes("seed=12345"), "the link has the seed: " + url);
    const other = await context.newPage();
    await open(other, "", url, "#play");
    assert(await other.inputValue("#seed") === "12345", "the seed came back");
    await runToEnd(other);
    const b = await summary(other);
    console.log(`     ${url.slice(url.indexOf("?"))} → ${JSON.stringify(a)}`);
    assert(JSON.stringify(a) === JSON.stringify(b), `same summary: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  },

  async "the language switch changes the text"({ page, base }) {
    await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]");
    const en = await page.textContent("main h1");
    await page.selectOption("#lang", "ko");
    await page.waitForFunction(() => document.documentElement.lang === "ko");
    const ko = await page.textContent("main h1");
    assert(en !== ko && /[\uAC00-\uD7A3]/.test(ko), `heading changed: ${en} → ${ko}`);
    assert(page.url().includes("lang=ko"), "language in the URL");
    const title = await page.textContent("[data-testid=open-scenario]");
    assert(/[\uAC00-\uD7A3]/.test(title), "scenario title in Korean: " + title);
    const id = await page.$eval("[data-testid=scenario-card]", (c) => c.dataset.scenario);
    await open(page, base, playUrl(id, "&lang=ko"), "#play");
    await runToEnd(page);
    const reason = await page.textContent("[data-testid=grade-item][data-passed=false] [data-testid=reason]");
    assert(/[\uAC00-\uD7A3]/.test(reason), "the failure reason in Korean: " + reason);
    assert(/[\uAC00-\uD7A3]/.test(await page.textContent("#story")), "the story in Korean");
    await page.screenshot({ path: path.join(OUT, "korean-grade.png"), fullPage: true });
    console.log(`     ${en} → ${ko}; ${reason.trim()}`);
  },

  async "375 px wide: no horizontal scroll"({ page, base }) {
    await page.setViewportSize({ width: 375, height: 800 });
    const ids = await scenarioIds(page, base);
    for (const [name, q] of [["catalog", "?v=1"], ["player", playUrl(ids[0])], ["glossary", "?v=1&view=glossary"]]) {
      await open(page, base, q, "main h1");
      if (name === "player") await runToEnd(page);
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      await page.screenshot({ path: path.join(OUT, `narrow-${name}.png`), fullPage: true });
      assert(w <= 375, `${name}: page is ${w} px wide`);
    }
  },

  async "an out-of-range knob in the URL is clamped with a notice"({ page, base }) {
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0], "&lang=en"), "#play");
    const knob = await page.$eval("[data-testid=knobs] .knob:not([data-kind=choice])", (k) => k.dataset.path);
    const max = await page.getAttribute("#knob-" + knob.replaceAll(".", "-"), "max");
    await open(page, base, playUrl(ids[0], `&lang=en&k.${knob}=999999`), "#play");
    await page.waitForSelector("[data-testid=notice]");
    const value = await page.inputValue("#knob-" + knob.replaceAll(".", "-"));
    assert(Number(value) === Number(max), `clamped to ${max}, shows ${value}`);
    assert(page.url().includes(`k.${knob}=${max}`), "the URL holds the clamped value");
  },

  async "a corrupt URL or corrupt progress falls back with a notice"({ page, base }) {
    await page.addInitScript(() => localStorage.setItem("scale-dojo.progress.v1", "{not json"));
    await open(page, base, "?v=1&seed=abc&view=play", "[data-testid=scenario-card]");
    const notices = await page.$$eval("[data-testid=notice]", (n) => n.map((x) => x.textContent));
    assert(notices.length === 2, "two notices: " + notices.join(" | "));
    await open(page, base, "?v=99&view=glossary", "[data-testid=scenario-card]");
    assert(await page.isVisible("[data-testid=notice]"), "version notice");
  },

  async "keyboard: space plays, arrow steps, R resets, ? shows the shortcuts"({ page, base }) {
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0], "&lang=en"), "#play");
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => document.querySelector("#sim-time").textContent === "00:01");
    // The slowest speed: a busy machine cannot let the run end between two key presses.
    await page.selectOption("#speed", "1");
    await page.locator("#speed").blur();
    await page.keyboard.press("Space");
    await page.waitForSelector("#phase[data-phase=running]");
    await page.keyboard.press("Space");
    await page.waitForSelector("#phase[data-phase=paused]");
    await page.keyboard.press("r");
    await page.waitForSelector("#phase[data-phase=ready]");
    await page.keyboard.press("?");
    await page.waitForSelector("#shortcuts");
    await page.keyboard.press("Escape");
    assert(!(await page.isVisible("#shortcuts")), "help closes");
  },

  async "glossary: the lecture's terms in both languages"({ page, base }) {
    await open(page, base, "?v=1&view=glossary&lang=ko", "[data-testid=glossary-term]");
    const n = await page.$$eval("[data-testid=glossary-term]", (t) => t.length);
    assert(n >= 30, `${n} terms`);
    await page.fill("#glossary-search", "canary");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=glossary-term]").length === 1);
  },

  async "embed and presenter modes"({ page, base }) {
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0], "&embed=1&ui=controls,charts"), "#play");
    assert(!(await page.isVisible("header.top")), "no site header in an embed");
    assert(!(await page.isVisible("[data-testid=knobs]")), "only the chosen sections");
    await open(page, base, playUrl(ids[0], "&present=1"), "#play");
    assert(await page.getAttribute("html", "data-theme") === "projector", "projector theme");
    await page.selectOption("#speed", "1");
    await page.locator("#speed").blur();
    await page.keyboard.press("Space");
    await page.keyboard.press("1");
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=event]")].some((e) => /kill|killed/i.test(e.textContent)));
    await page.screenshot({ path: path.join(OUT, "presenter.png") });
  },

  async "sandbox: the same player with every knob and no objectives"({ page, base }) {
    await open(page, base, "?v=1&view=sandbox&lang=en", "#play");
    assert(!(await page.isVisible("[data-testid=objectives]")), "no objectives");
    const knobs = await page.$$eval("[data-testid=knobs] .knob", (k) => k.length);
    assert(knobs >= 1, "knobs shown");
    await page.selectOption("#speed", "0");
    await page.click("#play");
    await page.waitForSelector("#phase[data-phase=finished]", { timeout: RUN_TIMEOUT });
    assert(!(await page.isVisible("[data-testid=grade]")), "no grade in the sandbox");
    console.log(`     sandbox: ${knobs} knobs`);
  },

  async "compare: same seed, two configurations side by side"({ page, base }) {
    const ids = await scenarioIds(page, base);
    await open(page, base, `?v=1&view=compare&s=${ids[0]}&lang=en`, "#run-both");
    const first = await page.$eval("[data-testid=a-] .knob:not([data-kind=choice])", (k) => ({ path: k.dataset.path, reference: k.dataset.reference }));
    const idB = "#b--" + first.path.replaceAll(".", "-");
    await page.fill(idB, first.reference);
    await page.locator(idB).blur();
    await page.click("#run-both");
    // Each column ends with its own grade panel.
    await page.waitForFunction(() => document.querySelectorAll(".compare-col [data-testid=verdict]").length === 2, null, { timeout: RUN_TIMEOUT });
    const verdicts = await page.$$eval(".compare-col [data-testid=verdict]", (v) => v.map((x) => x.textContent));
    assert(page.url().includes("b." + first.path), "configuration B in the URL");
    console.log(`     compare ${ids[0]}: A ${verdicts[0]} | B ${verdicts[1]}`);
    await page.screenshot({ path: path.join(OUT, "compare.png"), fullPage: true });
  },

  async "every scenario's browser run equals the native engine's (digest)"({ page, base }) {
    const ids = await scenarioIds(page, base);
    for (const id of ids) {
      await open(page, base, playUrl(id, "&lang=en"), "#play");
      const seed = await page.inputValue("#seed");
      await runToEnd(page);
      const browser = (await page.textContent("[data-testid=digest]")).trim();
      const native = nativeDigest(id, seed);
      console.log(`     ${id} seed ${seed}: browser ${browser}, native ${native}`);
      assert(browser === native, `${id}: the browser's run differs from the native engine's`);
    }
  },

  async "a scenario document that cannot be fetched: a message in the learner's language, the link kept, a retry"({ page, base }) {
    const ids = await scenarioIds(page, base);
    // A host that answers with something else than the document (a captive portal, a proxy's page).
    const documents = /\/scenarios\/[^/]+\.json$/;
    await page.route(documents, (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<html>offline</html>" }));
    await open(page, base, playUrl(ids[0], "&lang=ko&seed=7&k.deployment.replicas=3"), "[data-testid=load-failed]");
    const text = await page.textContent("[data-testid=load-failed]");
    assert(text.includes("시나리오를 불러오지 못했습니다"), "the message is Korean: " + text);
    assert(page.url().includes("seed=7") && page.url().includes("k.deployment.replicas=3"), "the link is kept: " + page.url());
    await page.unroute(documents);
    await page.click("[data-testid=load-failed] button");
    await page.waitForSelector("#play");
    assert((await page.inputValue("#seed")) === "7", "the link's seed is used after the retry");
  },

  async "the <scale-dojo> custom element embeds a scenario in a blog page"({ page, base }) {
    await page.goto(base + "embed-demo.html");
    const frame = await (await page.waitForSelector("scale-dojo iframe")).contentFrame();
    await frame.waitForSelector("#play");
    assert(!(await frame.isVisible("header.top")), "no site chrome inside the embed");
    assert(await frame.isVisible("[data-testid=knobs]"), "the chosen knobs are shown");
    assert((await frame.url()).includes("embed=1"), "embed URL: " + frame.url());
  },
};
