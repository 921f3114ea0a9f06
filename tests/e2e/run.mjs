// Entry point: `node tests/e2e/run.mjs` (DIST_DIR=dist or APP_URL=http://…; E2E_FILTER=substring).
import { runSuites } from "./harness.mjs";
import * as smoke from "./smoke.test.mjs";
import * as app from "./app.test.mjs";
import * as release from "./release.test.mjs";
import * as robustness from "./robustness.test.mjs";
import * as instruments from "./instruments.test.mjs";
import * as audiences from "./audiences.test.mjs";
import * as sandbox from "./sandbox.test.mjs";
import * as zoom from "./zoom.test.mjs";

await runSuites([smoke.tests, app.tests, release.tests, robustness.tests, instruments.tests, audiences.tests, sandbox.tests, zoom.tests]);
