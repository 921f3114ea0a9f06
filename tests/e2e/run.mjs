// Entry point: `node tests/e2e/run.mjs` (DIST_DIR=dist or APP_URL=http://…).
import { runSuites } from "./harness.mjs";
import * as smoke from "./smoke.test.mjs";

await runSuites([smoke.tests]);
