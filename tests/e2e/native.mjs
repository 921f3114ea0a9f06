// The native engine's digest of a run, for comparing with the browser's: runs the `simulate`
// runner and hashes its JSON as `Report::digest` does (FNV-1a 64 of `Report::to_json`).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

export function fnv1a64(text) {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/** `content/scenarios/<file>` of a scenario id. */
export function scenarioFile(id) {
  const dir = path.join(ROOT, "content/scenarios");
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".toml"))) {
    const m = fs.readFileSync(path.join(dir, f), "utf8").match(/^id\s*=\s*"([^"]+)"/m);
    if (m && m[1] === id) return path.join(dir, f);
  }
  throw new Error("no scenario file for " + id);
}

export function nativeDigest(id, seed, sets = []) {
  const args = ["run", "--release", "-q", "-p", "simulation", "--bin", "simulate", "--", "run", scenarioFile(id), "--seed", String(seed), "--format", "json"];
  for (const s of sets) args.push("--set", s);
  const out = execFileSync("cargo", args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 });
  return fnv1a64(out.endsWith("\n") ? out.slice(0, -1) : out);
}
