// First-visit load time on a slow phone (printed by `cargo xtask bench`, never asserted):
// Chromium's "Slow 4G" network (DevTools preset: 562.5 ms RTT, 1.44 Mbit/s down, 675 kbit/s up)
// and a 4× slower CPU, empty cache, through CDP. "Usable" = the catalog's first scenario card
// is on the page (the wasm is compiled, the app has mounted and rendered).
// APP_URL=http://… (the xtask starts its own server); RUNS=n (default 3).
import { chromium } from "playwright-core";

const base = process.env.APP_URL;
if (!base) throw new Error("APP_URL is not set");
const runs = Number(process.env.RUNS ?? 3);
const PROFILES = {
  "slow 4G + 4x CPU": { latency: 562.5, download: (1.6 * 1000 * 1000 / 8) * 0.9, upload: (750 * 1000 / 8) * 0.9, cpu: 4 },
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});
for (const [name, p] of Object.entries(PROFILES)) {
  const times = [];
  const arrived = [];
  let bytes = null;
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: "ko-KR" });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: p.latency, downloadThroughput: p.download, uploadThroughput: p.upload,
    });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: p.cpu });
    const transfer = new Map();
    const urls = new Map();
    cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
    cdp.on("Network.responseReceived", (e) => transfer.set(e.requestId, { enc: e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] ?? "none", bytes: 0 }));
    cdp.on("Network.loadingFinished", (e) => { const t = transfer.get(e.requestId); if (t) t.bytes = e.encodedDataLength; });
    await page.goto(base, { waitUntil: "commit" });
    const usable = await page.waitForFunction(() => document.querySelector("[data-testid=scenario-card]") && performance.now(), null,
      { polling: 50, timeout: 120000 });
    times.push(Math.round(await usable.jsonValue()));
    // When the last byte of the wasm arrived: the rest of the time is compiling, starting and
    // the first render (what to cut when transfer is not the whole story).
    arrived.push(await page.evaluate(() => Math.round(performance.getEntriesByType("resource").find((e) => /\.wasm$/.test(e.name))?.responseEnd ?? NaN)));
    if (!bytes) {
      await page.waitForLoadState("load");
      bytes = [...transfer].map(([id, t]) => ({ file: new URL(urls.get(id) ?? "x:/?").pathname.split("/").pop() || "index.html", ...t }));
    }
    await context.close();
  }
  times.sort((a, b) => a - b);
  console.log(`load ${name}: usable after ${times.join(", ")} ms (median ${times[Math.floor(times.length / 2)]} ms over ${runs} cold loads)`);
  console.log(`     the wasm had arrived at ${arrived.join(", ")} ms (the rest: compile, start, first render)`);
  const total = bytes.reduce((s, b) => s + b.bytes, 0);
  for (const b of bytes) console.log(`     ${b.file}: ${b.bytes} bytes transferred (${b.enc})`);
  console.log(`     total: ${total} bytes (${(total / 1024).toFixed(1)} KiB)`);
}
await browser.close();
