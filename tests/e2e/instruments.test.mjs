// Instruments: gauges that tell the truth, the cluster view, the time scrubber and export,
// checked against the native runner's report for the same scenario, knobs and seed.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { assert, OUT } from "./harness.mjs";
import { ROOT, scenarioFile } from "./native.mjs";
import { open, playUrl, runToEnd } from "./app.helpers.mjs";

/** The native runner's output (JSON or CSV text) for a scenario at a seed. */
function runner(id, seed, format = "json") {
  const args = ["run", "--release", "-q", "-p", "simulation", "--bin", "simulate", "--", "run", scenarioFile(id), "--seed", String(seed), "--format", format];
  return execFileSync("cargo", args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 });
}

async function seedOf(page) {
  return Number(await page.inputValue("#seed"));
}

/** Moves the scrubber to second `t` with the keyboard (Home, then arrows). */
async function scrubTo(page, t) {
  await page.focus("#scrub");
  await page.keyboard.press("Home");
  for (let i = 0; i < t; i++) await page.keyboard.press("ArrowRight");
  await page.waitForFunction((t) => document.querySelector("[data-testid=gauges-at]")?.dataset.t === String(t), t);
}

/** The gauges as shown: key → raw value. */
async function gauges(page) {
  return page.$$eval("[data-testid=gauges] [data-gauge]", (gs) => Object.fromEntries(gs.map((g) => [g.dataset.gauge, g.dataset.value])));
}

/** The cluster view's text list: nodes and pods with their status. */
async function cluster(page) {
  return page.evaluate(() => ({
    t: document.querySelector("[data-testid=cluster-view]").dataset.t,
    nodes: [...document.querySelectorAll("[data-testid=cluster-nodes] [data-node]")].map((n) => ({ name: n.dataset.node, status: n.dataset.status })),
    pods: [...document.querySelectorAll("[data-testid=cluster-pods] [data-pod]")].map((p) => ({ name: p.dataset.pod, status: p.dataset.status, node: p.dataset.node })),
  }));
}

/** A series value as the gauges carry it (`null` → empty). */
function seriesValue(s, key) {
  const v = key in s ? s[key] : undefined;
  return v === null || v === undefined ? "" : v;
}

export const tests = {
  async "node kill: ready nodes drop, CPU of live pods rises, the cluster view shows a dark node and pending pods"({ page, base }) {
    const id = "node-failure-self-healing";
    await open(page, base, playUrl(id, "&lang=en"), "#play");
    const seed = await seedOf(page);
    await runToEnd(page);
    const report = JSON.parse(runner(id, seed));
    const kill = report.events.find((e) => e.kind === "fault").t;
    const before = Math.floor(kill) - 5;
    const after = Math.floor(kill) + 5;
    await scrubTo(page, before);
    const g0 = await gauges(page);
    const c0 = await cluster(page);
    await scrubTo(page, after);
    const g1 = await gauges(page);
    const c1 = await cluster(page);
    console.log(`     ${id} seed ${seed}: at ${before}s nodes ready ${g0.nodes_ready}/${g0.nodes}, CPU ${(+g0.cpu_utilization * 100).toFixed(1)} %; at ${after}s nodes ready ${g1.nodes_ready}/${g1.nodes}, not ready ${g1.nodes_not_ready}, CPU ${(+g1.cpu_utilization * 100).toFixed(1)} %`);
    assert(+g1.nodes_ready === +g0.nodes_ready - 1, `ready nodes drop by one: ${g0.nodes_ready} → ${g1.nodes_ready}`);
    assert(+g1.nodes_not_ready === 1 && +g1.nodes === +g0.nodes, "the dead node is counted as not ready, and still exists");
    assert(+g1.cpu_utilization > +g0.cpu_utilization * 1.1, `CPU of live pods rises: ${g0.cpu_utilization} → ${g1.cpu_utilization}`);
    assert(c0.nodes.every((n) => n.status === "ready"), "before: every node ready " + JSON.stringify(c0.nodes));
    assert(c1.nodes.filter((n) => n.status === "dead").length === 1, "after: one dark node " + JSON.stringify(c1.nodes));
    assert(c1.pods.some((p) => p.status === "unreachable"), "its pods answer nothing");
    // When the evicted pods are recreated and there is no room, they wait Pending outside any node.
    const pendingAt = report.series.find((s) => s.t > kill && s.pods_pending > 0)?.t;
    assert(pendingAt !== undefined, "the native run has pending pods after the kill");
    await scrubTo(page, pendingAt);
    const c2 = await cluster(page);
    const g2 = await gauges(page);
    const pending = c2.pods.filter((p) => p.status === "pending");
    console.log(`     at ${pendingAt}s: ${pending.length} pending pods (${pending.map((p) => p.name).join(", ")}), nodes ${c2.nodes.map((n) => n.name + ":" + n.status).join(", ")}`);
    assert(pending.length === report.series[pendingAt].pods_pending && pending.length === +g2.pods_pending, "pending pods shown as the series counts them");
    assert(pending.every((p) => p.node === ""), "pending pods are outside any node");
    assert(c2.nodes.some((n) => n.status === "dead"), "the dead node is still dark");
    // The picture itself: the dead node is drawn dark (some near-black pixels in the canvas).
    const dark = await page.$eval("#cluster-canvas", (c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] === 34 && d[i + 1] === 34 && d[i + 2] === 34) n++;
      return n;
    });
    assert(dark > 500, "the dead node's dark fill is drawn: " + dark + " px");
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.screenshot({ path: path.join(OUT, "instruments-node-kill-1280.png") });
    await page.setViewportSize({ width: 375, height: 812 });
    await page.screenshot({ path: path.join(OUT, "instruments-node-kill-375.png") });
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert(scroll <= 0, "no horizontal scroll at 375 px: " + scroll);
    await page.evaluate(() => document.querySelector("[data-testid=cluster-view]").scrollIntoView());
    await page.screenshot({ path: path.join(OUT, "instruments-cluster-375.png") });
  },

  async "a run where every request fails never shows a latency objective as met"({ page, base }) {
    const id = "node-failure-self-healing";
    await open(page, base, playUrl(id, "&lang=en&present=1"), "#play");
    // Every node dies before the first request: nothing can answer.
    await page.evaluate(() => {
      window.__seen = [];
      const obs = new MutationObserver(() => {
        for (const o of document.querySelectorAll("[data-testid=objective][data-metric^=Latency]")) window.__seen.push(o.dataset.state);
      });
      obs.observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
    });
    for (let i = 0; i < 3; i++) await page.click("#fault-1");
    await runToEnd(page);
    const seen = await page.evaluate(() => window.__seen);
    const failed = await page.$eval("[data-testid=sum-failed]", (d) => d.textContent.trim());
    const completed = await page.$eval("[data-testid=sum-completed]", (d) => d.textContent.trim());
    const latency = await page.$$eval("[data-testid=objective][data-metric^=Latency]", (os) => os.map((o) => ({ state: o.dataset.state, value: o.querySelector(".value").textContent })));
    const grade = await page.$$eval("[data-testid=grade-item]", (g) => g.map((x) => ({ id: x.dataset.objective, passed: x.dataset.passed, reason: x.querySelector("[data-testid=reason]")?.textContent })));
    console.log(`     completed ${completed}, failed ${failed}; latency ticks seen: ${[...new Set(seen)].join(", ")}; final ${JSON.stringify(latency)}; grade ${JSON.stringify(grade.filter((g) => g.id.startsWith("p")))}`);
    assert(completed === "0" && Number(failed.replaceAll(",", "")) > 0, "every request failed"); // counts carry thousands separators
    assert(seen.length > 0, "the latency objective ticked during the run");
    assert(!seen.includes("on-track") && !seen.includes("passed"), "never shown as met: " + [...new Set(seen)]);
    assert(latency.every((o) => o.state === "failed"), "failed at the end");
    const p95 = grade.find((g) => g.id === "p95");
    assert(p95 && p95.passed === "false" && /failed/.test(p95.reason), "the grade says why: " + JSON.stringify(p95));
  },

  async "load-test-bottleneck: the database chart is at its limit while CPU is not"({ page, base }) {
    const id = "load-test-bottleneck";
    await open(page, base, playUrl(id, "&lang=en"), "#play");
    await runToEnd(page);
    // The 700 req/s hold: 4:00 to 7:00.
    const t = 330;
    await scrubTo(page, t);
    const g = await gauges(page);
    const data = await page.textContent("figure[data-kind=data] [data-testid=readout]");
    const cpu = await page.textContent("figure[data-kind=cpu] [data-testid=readout]");
    console.log(`     at ${t}s: DB pool ${(+g.db_utilization * 100).toFixed(1)} %, DB wait p99 ${g.db_wait_p99_ms} ms, cache hit ${(+g.cache_hit_ratio * 100).toFixed(1)} %, CPU ${(+g.cpu_utilization * 100).toFixed(1)} %, worker occupancy ${(+g.utilization * 100).toFixed(1)} %`);
    console.log(`     readouts: ${data.trim()} | ${cpu.trim()}`);
    assert(+g.db_utilization >= 0.97, "the database pool is at its limit: " + g.db_utilization);
    assert(+g.cpu_utilization < 0.6, "CPU is not: " + g.cpu_utilization);
    assert(/DB pool in use 9\d\.\d %|DB pool in use 100\.0 %/.test(data), "the database chart's readout shows it: " + data);
    // Hovering shows the values at the pointer's second instead of the cursor's.
    const chart = page.locator("figure[data-kind=data] canvas");
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.boundingBox();
    await chart.hover({ position: { x: box.width * 0.3, y: box.height / 2 } });
    await page.waitForFunction(() => !document.querySelector("figure[data-kind=data] [data-testid=readout]").textContent.startsWith("05:30"));
    const hovered = await page.textContent("figure[data-kind=data] [data-testid=readout]");
    assert(/^0[1-3]:\d\d — /.test(hovered), "hover shows an earlier second: " + hovered);
    await page.evaluate(() => document.querySelector("figure[data-kind=data]").scrollIntoView());
    await page.screenshot({ path: path.join(OUT, "instruments-bottleneck.png") });
  },

  async "scrubbing to a second shows that second's values, equal to the runner's series"({ page, base }) {
    const id = "load-test-bottleneck";
    await open(page, base, playUrl(id, "&lang=en"), "#play");
    const seed = await seedOf(page);
    await runToEnd(page);
    const report = JSON.parse(runner(id, seed));
    for (const t of [0, 61, 200]) {
      await scrubTo(page, t);
      const g = await gauges(page);
      const s = report.series[t];
      assert(s.t === t, "the runner's series is indexed by second");
      const keys = Object.keys(g);
      assert(keys.length >= 10, "gauges shown: " + keys);
      for (const k of keys) {
        const want = seriesValue(s, k);
        const got = g[k] === "" ? "" : Number(g[k]);
        assert(got === want, `second ${t}, ${k}: app ${g[k]} vs runner ${want}`);
      }
      const cursor = await page.getAttribute("[data-testid=cluster-view]", "data-t");
      assert(Number(cursor) === t + 1, `the cluster view shows the end of second ${t}: ${cursor}`);
    }
    const readout = await page.textContent("figure[data-kind=traffic] [data-testid=readout]");
    assert(readout.startsWith("03:20"), "the charts' cursor follows: " + readout);
    console.log(`     seconds 0, 61, 200 equal the runner's series; traffic readout ${readout.trim()}`);
  },

  async "export: JSON and CSV equal the runner's output; chart and cluster PNGs are images"({ page, base }) {
    const id = "load-test-bottleneck";
    await open(page, base, playUrl(id, "&lang=en"), "#play");
    const seed = await seedOf(page);
    await runToEnd(page);
    const save = async (selector) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
      return fs.readFileSync(await download.path());
    };
    const json = (await save("#export-json")).toString("utf8");
    const csv = (await save("#export-csv")).toString("utf8");
    assert(json === runner(id, seed, "json"), "JSON equals the runner's");
    assert(csv === runner(id, seed, "csv"), "CSV equals the runner's");
    const pngs = await page.$$eval("[data-testid=export] button[id^=export-png-]", (bs) => bs.map((b) => "#" + b.id));
    assert(pngs.length >= 7, "a PNG per chart and the cluster view: " + pngs);
    const sizes = [];
    for (const sel of pngs) {
      const png = await save(sel);
      assert(png.subarray(1, 4).toString() === "PNG" && png.length > 2000, `${sel} is a non-empty PNG (${png.length} bytes)`);
      sizes.push(`${sel.slice(12)} ${png.length}`);
    }
    const md = (await save("#export-md")).toString("utf8");
    assert(md.includes("digest") && md.includes("|"), "the Markdown report has the grade table");
    fs.writeFileSync(path.join(OUT, "instruments-report.md"), md);
    console.log(`     JSON ${json.length} B and CSV ${csv.length} B equal the runner's; PNG bytes: ${sizes.join(", ")}`);
  },

  async "at slow speeds requests flow as dots into the pods, and not with reduced motion"({ page, browser, base }) {
    const inked = (p) => p.$eval(".cluster-flow", (c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    await open(page, base, playUrl("node-failure-self-healing", "&lang=en"), "#play");
    await page.selectOption("#speed", "5");
    await page.click("#play");
    await page.waitForFunction(() => {
      const c = document.querySelector(".cluster-flow");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
      return false;
    }, null, { timeout: 20000 });
    const moving = await inked(page);
    await page.screenshot({ path: path.join(OUT, "instruments-flow.png") });
    await page.click("#play");
    await page.waitForFunction(() => document.querySelector("#phase").dataset.phase === "paused");
    await page.waitForTimeout(200);
    assert(await inked(page) === 0, "paused: the flow stops and clears");
    const calm = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: "reduce" });
    const other = await calm.newPage();
    await open(other, base, playUrl("node-failure-self-healing", "&lang=en"), "#play");
    await other.selectOption("#speed", "5");
    await other.click("#play");
    await other.waitForFunction(() => document.querySelector("#sim-time").textContent >= "00:03", null, { timeout: 20000 });
    const still = await inked(other);
    await calm.close();
    console.log(`     flow pixels while playing at 5×: ${moving}; with reduced motion: ${still}`);
    assert(moving > 20, "dots drawn while playing at 5×");
    assert(still === 0, "no dots with prefers-reduced-motion");
  },

  async "compare from the catalog: each side's grade with reasons, differences highlighted"({ page, base }) {
    await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]");
    const card = page.locator("[data-testid=scenario-card][data-scenario=load-test-bottleneck]");
    await card.locator("[data-testid=open-compare]").click();
    await page.waitForSelector("#run-both");
    // B: the reference pool and cache; A stays as the scenario starts.
    await page.fill("#b--database-connections", "12");
    await page.locator("#b--database-connections").blur();
    await page.fill("#b--cache-hit_ratio", "0.6");
    await page.locator("#b--cache-hit_ratio").blur();
    await page.click("#run-both");
    await page.waitForSelector("[data-testid=differences]", { timeout: 120000 });
    const rows = await page.$$eval("[data-testid=differences] tbody tr", (rs) => rs.map((r) => ({ id: r.dataset.objective, differs: r.dataset.differs, cells: [...r.querySelectorAll("td")].map((t) => t.textContent) })));
    const reasons = await page.$$eval("[data-testid=a-] [data-testid=reason]", (rs) => rs.map((r) => r.textContent));
    console.log(`     differences: ${JSON.stringify(rows)}; A's reasons: ${reasons.length}`);
    assert(rows.length >= 2, "a row per objective");
    assert(rows.some((r) => r.differs === "true"), "the configurations differ somewhere and it is marked");
    assert(reasons.length >= 1, "A's failures come with reasons");
    await page.screenshot({ path: path.join(OUT, "instruments-compare.png"), fullPage: true });
  },
};
