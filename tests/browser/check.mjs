// Open report HTML pages in headless Chromium and check them like a reader's browser would:
//   * no console error and no uncaught page error;
//   * no network request (only the file itself and data: URLs may load; anything else is
//     aborted and reported);
//   * no Content-Security-Policy violation (the pages declare a CSP in a meta tag: anything
//     it blocks, an inline script or an image from elsewhere, is counted and listed);
//   * accessibility with axe-core: no violation of impact "serious" or "critical";
//   * <html lang> is "vi" or "en".
//
// Usage: node check.mjs page.html [more.html ...]
// Prints one JSON object per line per page ({file, ok, lang, csp, consoleErrors, pageErrors,
// requests, cspViolationCount, cspViolations, violations, minor}) and exits with status 1 if
// any page has a problem, 2 on a usage error.
// Chromium: $CHROMIUM, else /usr/bin/chromium (Playwright never downloads a browser here).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BLOCKING = new Set(["serious", "critical"]);
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

async function checkPage(browser, file) {
  const context = await browser.newContext({ javaScriptEnabled: true, offline: true });
  const page = await context.newPage();
  const url = pathToFileURL(resolve(file)).href;
  const consoleErrors = [];
  const pageErrors = [];
  const requests = [];
  // before any of the page's own content: record what its CSP blocks (init scripts and
  // page.evaluate are the browser's, not the page's, so the CSP does not apply to them)
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI || "(inline)"}`);
    });
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  await page.route("**/*", (route) => {
    const target = route.request().url();
    if (target === url || target.startsWith("data:")) return route.continue();
    if (!requests.includes(target)) requests.push(target);
    return route.abort();
  });
  page.on("request", (req) => {
    const target = req.url();
    if (target !== url && !target.startsWith("data:") && !requests.includes(target)) {
      requests.push(target);
    }
  });
  await page.goto(url, { waitUntil: "load" });
  const lang = await page.evaluate(() => document.documentElement.getAttribute("lang"));
  const csp = await page.evaluate(
    () =>
      document.querySelector('meta[http-equiv="Content-Security-Policy" i]')?.content ?? null,
  );
  // violation events are queued as tasks: let those of the loading run first
  const cspEvents = await page.evaluate(
    () => new Promise((done) => setTimeout(() => done(window.__cspViolations || []), 50)),
  );
  const cspViolations = [...new Set(cspEvents)];
  // axe is evaluated by the test, after loading (as @axe-core/playwright does: a <script> tag
  // would be blocked by the page's CSP); the report itself has no script
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, { resultTypes: ["violations"] });
  });
  const violations = results.violations
    .filter((v) => BLOCKING.has(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
      count: v.nodes.length,
    }));
  const minor = results.violations
    .filter((v) => !BLOCKING.has(v.impact))
    .map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`);
  await context.close();
  const ok =
    consoleErrors.length === 0 &&
    pageErrors.length === 0 &&
    requests.length === 0 &&
    cspEvents.length === 0 &&
    violations.length === 0 &&
    (lang === "vi" || lang === "en");
  return {
    file,
    ok,
    lang,
    csp,
    consoleErrors,
    pageErrors,
    requests,
    cspViolationCount: cspEvents.length,
    cspViolations,
    violations,
    minor,
  };
}

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node check.mjs page.html [more.html ...]");
    process.exit(2);
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ARGS,
  });
  let failed = false;
  try {
    for (const file of files) {
      const result = await checkPage(browser, file);
      failed ||= !result.ok;
      console.log(JSON.stringify(result));
    }
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
