// Every audience: a slow network (compressed, hashed, cached files; loading text in the reader's
// language), the instructor at a 720p projector, the blog that embeds a scenario, the phone,
// the Korean reader.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, OUT, serve } from "./harness.mjs";
import { open, playUrl, runToEnd, scenarioIds } from "./app.helpers.mjs";

/** Pixels of a canvas close to a colour (the live-action mark is magenta, apart from every series). */
async function pixelsNear(page, selector, [r, g, b], tolerance = 40) {
  return page.$eval(selector, (canvas, [r, g, b, tol]) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < tol) n++;
    return n;
  }, [r, g, b, tolerance]);
}
const LIVE_MARK = [204, 0, 102];

/** Interactive elements (or, for a box inside a label, the label) smaller than 44×44 px. */
async function smallTargets(page) {
  return page.evaluate(() => {
    const out = [];
    const sel = "a[href], button, select, input:not([type=hidden]), textarea, summary, [tabindex]:not([tabindex='-1'])";
    for (const el of document.querySelectorAll(sel)) {
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || el.closest("[hidden]") || el.getClientRects().length === 0) continue;
      let target = el;
      // A checkbox's touch target is its label (tapping the label toggles it).
      if ((el.type === "checkbox" || el.type === "radio") && el.closest("label")) target = el.closest("label");
      const r = target.getBoundingClientRect();
      if (r.right <= 0 || r.left >= innerWidth) continue; // off-screen until focused (the skip link)
      if (r.width < 44 || r.height < 44) {
        out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className ? "." + String(el.className).split(" ")[0] : ""} "${(el.textContent || el.value || "").trim().slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
      }
    }
    return out;
  });
}

/**
 * English words in the page's text (and labels a screen reader says), outside code identifiers:
 * <code>/<kbd>, anything marked lang="en", a select option's own value, dotted/snake/kebab
 * names and names with digits (pod-3, v2, deployment.replicas), camelCase API fields
 * (maxSurge), acronyms and one-letter variables (DB, N), an all-ASCII gloss in parentheses
 * inside Korean text (격리(isolation)), and units or tool names Korean writing keeps as they are.
 */
async function englishWords(page) {
  return page.evaluate(() => {
    const KEPT = new Set([
      // Units and key names Korean writing keeps as they are.
      "ms", "Gbps", "Home", "End",
      // Kubernetes' own words the engine's event log and the cluster view quote: pod and node
      // conditions, the kubelet's tag, the autoscaler's unschedulable → adding (a hint cites them).
      "Pending", "Ready", "kubelet", "unschedulable", "adding",
      // Names a scenario gives its node groups, node types and images (quoted in the event log,
      // and the image tag in a title).
      "shop", "small", "web", "latest"]);
    // Scenario text marks every other technical name as code (`Chaos Monkey`, `iostat`), which is skipped.
    // A choice's configured value (a node type's name) is an identifier wherever it is quoted.
    const values = new Set([...document.querySelectorAll("option")].map((o) => o.value));
    const found = new Map();
    const check = (text, where) => {
      // A gloss: "(…)" with no Hangul on a Korean page (격리(isolation), HPA(Horizontal Pod Autoscaler)).
      text = text.replace(/\(([^()가-힣]*)\)/g, " ");
      for (const token of text.split(/[\s,;:()\[\]{}"“”'‘’!?·…→←↑↓↗×=<>≤≥–—+*%$/|~]+/)) {
        if (!/[A-Za-z]/.test(token)) continue;
        if (KEPT.has(token)) continue;
        if (/[0-9]/.test(token) || /[A-Za-z0-9][._-][A-Za-z0-9]/.test(token)) continue; // identifiers
        const ascii = token.replace(/[가-힣].*$/, "").replace(/[.]+$/, "");
        if (values.has(ascii)) continue;
        if (/^[A-Z]+$/.test(ascii) || /^[A-Za-z]$/.test(ascii) || /[a-z][A-Z]/.test(ascii) || /[A-Z]{2}[a-z]/.test(ascii)) continue; // acronyms, variables, camelCase
        if (/[가-힣]/.test(token) && !/^[A-Za-z]+[가-힣]/.test(token)) continue;
        const word = token.replace(/[가-힣].*$/, "");
        if (KEPT.has(word)) continue;
        if (!found.has(word)) found.set(word, where);
      }
    };
    const skip = (el) => el.closest("code, kbd, script, style, noscript, [lang=en], [translate=no]");
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || skip(el)) continue;
      let text = n.textContent;
      if (el.tagName === "OPTION") text = text.split(/\s+/).filter((w) => w.replace(/:$/, "") !== el.value).join(" ");
      check(text, `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className ? "." + String(el.className).split(" ")[0] : ""}: ${n.textContent.trim().slice(0, 60)}`);
    }
    for (const el of document.body.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
      if (skip(el)) continue;
      for (const a of ["aria-label", "title", "placeholder", "alt"]) if (el.getAttribute(a)) check(el.getAttribute(a), `${el.tagName.toLowerCase()}[${a}]: ${el.getAttribute(a)}`);
    }
    return [...found].map(([w, where]) => `${w} (${where})`);
  });
}

export const tests = {
  async "delivery: the wasm and JS are compressed, content-hashed and cached for a year; index.html is revalidated"({ page, base }) {
    assert(process.env.APP_URL, "run through `cargo xtask test e2e` (the project's own server)");
    const responses = [];
    page.on("response", (r) => responses.push(r));
    await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]");
    const find = (re) => responses.find((r) => re.test(new URL(r.url()).pathname));
    const wasm = find(/\.wasm$/), js = find(/\/app\.[0-9a-f]{16}\.js$/), css = find(/\.css$/), index = find(/\/$/);
    assert(wasm && js && css && index, "index.html, the hashed app JS, CSS and wasm were loaded: " + responses.map((r) => r.url()).join(", "));
    const sheets = responses.filter((r) => /\.css$/.test(new URL(r.url()).pathname));
    for (const r of [wasm, js, ...sheets]) {
      const h = await r.allHeaders();
      const name = new URL(r.url()).pathname;
      assert(/\.[0-9a-f]{16}\.(wasm|js|css)$/.test(name), `${name} has a content hash in its name`);
      assert(["br", "gzip"].includes(h["content-encoding"]), `${name} is sent compressed (Content-Encoding: ${h["content-encoding"]})`);
      assert(/accept-encoding/i.test(h["vary"] ?? ""), `${name} varies by Accept-Encoding`);
      assert(/immutable/.test(h["cache-control"] ?? "") && /max-age=31536000/.test(h["cache-control"]), `${name} is cached for a year: ${h["cache-control"]}`);
    }
    const ih = await index.allHeaders();
    assert(/no-cache/.test(ih["cache-control"] ?? ""), "index.html is revalidated: " + ih["cache-control"]);
    const sizes = await page.evaluate(() => performance.getEntriesByType("resource").filter((e) => /\.(wasm|js)$/.test(e.name))
      .map((e) => `${e.name.split("/").pop()} ${e.transferSize} of ${e.decodedBodySize} bytes`));
    console.log(`     ${(await wasm.allHeaders())["content-encoding"]}: ${sizes.join(", ")}`);
  },

  async "delivery: the loading text follows the browser's language"({ browser, base }) {
    for (const [locale, expected] of [["ko-KR", /불러오는 중/], ["en-US", /Loading Scale Dojo/]]) {
      const context = await browser.newContext({ locale });
      const page = await context.newPage();
      let release;
      const held = new Promise((resolve) => { release = resolve; });
      // Hold the wasm so the page stays on its loading text.
      await page.route(/\.wasm$/, async (route) => { await held; await route.continue(); });
      await page.goto(base);
      const text = await page.textContent("#boot");
      assert(expected.test(text), `${locale}: loading text ${JSON.stringify(text)}`);
      release();
      await page.waitForSelector("[data-testid=scenario-card]", { timeout: 20000 });
      await context.close();
    }
  },

  async "presenter at 1280×720 and 1920×1080: the cluster view and the key chart above the fold, the story folded, visible hotkeys and shortcuts"({ page, base }) {
    const ids = await scenarioIds(page, base);
    // The scenario the presenter's deck opens on (a node dies; the cluster view shows it), and
    // the first of the catalog.
    for (const id of ["node-failure-self-healing", ids[0]]) for (const [w, h, min] of [[1280, 720, 1], [1920, 1080, 2]]) {
      await page.setViewportSize({ width: w, height: h });
      await open(page, base, playUrl(id, "&present=1&lang=en"), "#chart-traffic");
      await page.waitForFunction(() => document.querySelector("#chart-traffic").getBoundingClientRect().width > 100
        && document.querySelector("[data-testid=cluster-nodes] li, [data-testid=cluster-pods] li"));
      const fully = (c) => {
        const r = c.getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.height > 100;
      };
      const inside = await page.$$eval(".chart canvas", (cs, f) => cs.filter(new Function("return " + f)()).map((c) => c.id), fully.toString());
      const cluster = await page.$eval("#cluster-canvas", (c, f) => ({ in: new Function("return " + f)()(c), box: JSON.stringify(c.getBoundingClientRect()) }), fully.toString());
      console.log(`     ${id} ${w}×${h}: charts fully in view: ${inside.join(", ")}; cluster view ${cluster.in ? "fully in view" : "cut: " + cluster.box}`);
      assert(inside.includes("chart-traffic") && inside.length >= min, `${id} ${w}×${h}: the traffic chart and at least ${min} whole chart(s) above the fold (saw ${inside.join(", ") || "none"})`);
      assert(cluster.in, `${id} ${w}×${h}: the whole cluster view above the fold (${cluster.box})`);
      assert(!(await page.getAttribute("details.story", "open") !== null), "the story is folded in presenter mode");
      const faultKeys = await page.$$eval(".faults button kbd", (k) => k.map((x) => x.textContent));
      assert(faultKeys.join("") === "12345", "fault buttons show their hotkeys: " + faultKeys);
      assert(await page.isVisible("#shortcuts-open"), "a visible shortcuts button");
      await page.screenshot({ path: path.join(OUT, `presenter-${id}-${w}x${h}.png`) });
    }
    // After a run where a node died (a dark node, pods rescheduled): still both above the fold.
    await page.setViewportSize({ width: 1280, height: 720 });
    await open(page, base, playUrl("node-failure-self-healing", "&present=1&lang=en"), "#play");
    await runToEnd(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    const after = await page.$$eval("#cluster-canvas, #chart-traffic", (cs) => cs.map((c) => {
      const r = c.getBoundingClientRect();
      return { id: c.id, in: r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.height > 100, top: Math.round(r.top), bottom: Math.round(r.bottom) };
    }));
    assert(after.every((c) => c.in), "after the run, the cluster view and the traffic chart above the fold: " + JSON.stringify(after));
    await page.click("#shortcuts-open");
    await page.waitForSelector("#shortcuts", { timeout: 5000 });
  },

  async "presenter: a live fault marks every chart and flashes"({ page, base }) {
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0], "&present=1&lang=en"), "#play");
    await page.selectOption("#speed", "60");
    await page.click("#play");
    await page.waitForFunction(() => document.querySelector("#sim-time").textContent >= "00:20", null, { timeout: 30000 });
    await page.click("#play"); // pause
    await page.waitForSelector("#phase[data-phase=paused]");
    const charts = await page.$$eval(".chart canvas", (cs) => cs.map((c) => "#" + c.id));
    for (const c of charts) assert(await pixelsNear(page, c, LIVE_MARK) === 0, `${c}: no mark before a live action`);
    await page.keyboard.press("1");
    await page.waitForSelector(".live.flash", { timeout: 5000 });
    await page.waitForFunction(() => [...document.querySelectorAll(".chart canvas")].every((c) => c.dataset.liveMarks === "1"), null, { timeout: 5000 });
    for (const c of charts) {
      const n = await pixelsNear(page, c, LIVE_MARK);
      assert(n > 20, `${c}: the live fault is marked (${n} magenta pixels)`);
    }
    await page.screenshot({ path: path.join(OUT, "presenter-fault.png") });
  },

  async "presenter: the cue list shows the link's rehearsed actions and N goes to the next one"({ page, base }) {
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0], "&present=1&lang=en&act=20000000,fault,0&act=40000000,fault,2"), "[data-testid=cues]");
    const states = async () => page.$$eval(".cue", (c) => c.map((x) => x.dataset.state).join(","));
    assert(await states() === "next,later", "two cues, the first next: " + await states());
    await page.keyboard.press("n");
    await page.waitForFunction(() => document.querySelector("#phase").dataset.phase === "paused" && document.querySelector(".cue").dataset.state === "done", null, { timeout: 30000 });
    const t = await page.textContent("#sim-time");
    assert(t === "00:20", "paused at the first cue: " + t);
    assert(await states() === "done,next", "the second cue is next: " + await states());
    await page.waitForFunction(() => document.querySelector("#chart-traffic").dataset.liveMarks === "1", null, { timeout: 5000 });
  },

  async "embed demo: the frame grows to its content after a run (no inner scrollbar) and follows theme="({ page, base }) {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(base + "embed-demo.html");
    await page.waitForSelector("scale-dojo[data-state=ready]", { timeout: 30000 });
    const frameEl = await page.$("scale-dojo iframe");
    const frame = await frameEl.contentFrame();
    await frame.waitForSelector("#play");
    assert(!(await frame.isVisible("#share-url")) && !(await frame.isVisible("#open-compare")), "no share box or compare link in an embed");
    const openLink = await frame.$eval("#open-in-app", (a) => ({ href: a.href, target: a.target }));
    assert(openLink.target === "_blank" && !/embed=1/.test(openLink.href) && /s=hpa-tv-spike/.test(openLink.href), "an open-in-app link: " + JSON.stringify(openLink));
    const before = await frameEl.evaluate((f) => f.getBoundingClientRect().height);
    await runToEnd(frame);
    const fits = async () => {
      const inner = await frame.evaluate(() => ({ scroll: document.documentElement.scrollHeight, client: document.documentElement.clientHeight, body: Math.ceil(document.body.getBoundingClientRect().height) }));
      const outer = await frameEl.evaluate((f) => f.clientHeight);
      return { ...inner, outer };
    };
    let m;
    for (let i = 0; i < 50; i++) {
      m = await fits();
      if (m.outer === m.body && m.scroll <= m.client) break;
      await page.waitForTimeout(100);
    }
    console.log(`     frame ${Math.round(before)} px before the run, ${m.outer} px after; content ${m.body} px, inner scroll ${m.scroll}/${m.client}`);
    assert(m.outer === m.body, `the frame's height equals its content's (${m.outer} vs ${m.body})`);
    assert(m.scroll <= m.client, `no inner scrollbar (${m.scroll} > ${m.client})`);
    assert(m.outer > before, "the frame grew with the grade");
    assert(await frame.getAttribute("html", "data-scheme") === "light", "theme=light reaches the app");
    const bg = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(bg === "rgb(255, 255, 255)", "light background on a dark system: " + bg);
    await page.screenshot({ path: path.join(OUT, "embed-demo.png"), fullPage: true });
    // theme=dark: the frame reloads dark.
    await page.$eval("scale-dojo", (el) => el.setAttribute("theme", "dark"));
    const dark = await (await page.$("scale-dojo iframe")).contentFrame();
    await page.waitForFunction(() => document.querySelector("scale-dojo iframe").src.includes("theme=dark"));
    await dark.waitForFunction(() => document.documentElement.dataset.scheme === "dark" && document.querySelector("#play"), null, { timeout: 20000 });
    const darkBg = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(darkBg === "rgb(24, 26, 30)", "dark background with theme=dark: " + darkBg);
  },

  async "the custom element renders from a page on another port with no CORS set-up"({ page, base }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "blog-"));
    fs.writeFileSync(path.join(dir, "post.html"), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog</title><link rel="icon" href="data:,"></head>
<body><h1>My post</h1><script src="${base}embed.js"></script>
<scale-dojo scenario="hpa-tv-spike" ui="controls,charts" lang="en"></scale-dojo><p>After.</p></body></html>`);
    const blog = await serve(dir);
    try {
      const blogUrl = `http://127.0.0.1:${blog.address().port}/post.html`;
      assert(new URL(blogUrl).origin !== new URL(base).origin, "a different origin");
      const cors = [];
      page.on("response", (r) => { if (r.url().startsWith(base) && r.headers()["access-control-allow-origin"]) cors.push(r.url()); });
      await page.goto(blogUrl);
      await page.waitForSelector("scale-dojo[data-state=ready]", { timeout: 30000 });
      const frame = await (await page.$("scale-dojo iframe")).contentFrame();
      await frame.waitForSelector("#chart-traffic");
      assert(cors.length === 0, "no CORS header was needed: " + cors);
      const h = await page.$eval("scale-dojo iframe", (f) => f.clientHeight);
      assert(h > 300, `the frame took the app's height (${h} px)`);
    } finally {
      blog.close();
    }
  },

  async "phone (375 px): every interactive element is at least 44×44 px; a jump to the grade"({ page, base }) {
    await page.setViewportSize({ width: 375, height: 812 });
    await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]");
    const catalog = await smallTargets(page);
    assert(catalog.length === 0, "catalog targets under 44 px: " + catalog.join("; "));
    const ids = await scenarioIds(page, base);
    await open(page, base, playUrl(ids[0], "&lang=en"), "#play");
    await runToEnd(page);
    const player = await smallTargets(page);
    await page.screenshot({ path: path.join(OUT, "phone-375.png") });
    assert(player.length === 0, "player targets under 44 px: " + player.join("; "));
    await page.click("#go-to-grade");
    await page.waitForFunction(() => {
      const r = document.querySelector("[data-testid=grade]").getBoundingClientRect();
      return r.top > -1 && r.top < innerHeight;
    }, null, { timeout: 5000 });
    await page.screenshot({ path: path.join(OUT, "phone-375-grade.png") });
  },

  async "Korean page: no English words outside code identifiers (catalog, players after a run, sandbox)"({ page, base }) {
    const problems = [];
    await open(page, base, "?v=1&lang=ko", "[data-testid=scenario-card]");
    problems.push(...(await englishWords(page)).map((w) => "catalog: " + w));
    const ids = await scenarioIds(page, base);
    for (const id of ids) {
      await open(page, base, playUrl(id, "&lang=ko&present=1"), "#play");
      await runToEnd(page);
      problems.push(...(await englishWords(page)).map((w) => `${id}: ${w}`));
    }
    await open(page, base, "?v=1&view=sandbox&s=bad-release-canary&lang=ko", "#play");
    problems.push(...(await englishWords(page)).map((w) => "sandbox: " + w));
    await page.screenshot({ path: path.join(OUT, "korean.png") });
    assert(problems.length === 0, `English on the Korean page:\n       ${problems.join("\n       ")}`);
  },

  async "desktop: the catalog is a grid, not one column"({ page, base }) {
    await page.setViewportSize({ width: 1440, height: 900 });
    await open(page, base, "?v=1&lang=en", "[data-testid=scenario-card]");
    const lefts = await page.$$eval("[data-testid=scenario-card]", (cs) => [...new Set(cs.map((c) => Math.round(c.getBoundingClientRect().left)))]);
    assert(lefts.length >= 3, "cards in at least three columns: " + lefts);
  },
};
