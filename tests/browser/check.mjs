// Open report HTML pages in headless Chromium and check them like a reader's browser would:
//   * no console error and no uncaught page error;
//   * no network request (only the file itself and data: URLs may load; anything else is
//     aborted and reported);
//   * no Content-Security-Policy violation (the pages declare a CSP in a meta tag: anything
//     it blocks, an inline script or an image from elsewhere, is counted and listed);
//   * accessibility with axe-core: no violation of impact "serious" or "critical";
//   * <html lang> is "vi" or "en";
//   * on a phone (390 x 844 CSS px, mobile viewport, scripts off: the page has none and needs
//     none): no horizontal scrolling of the page (document.documentElement.scrollWidth <= 390; a
//     wide table scrolls inside its own box), every chart (inline SVG in figure.chart) as wide as
//     its figure and drawn in the ratio of its viewBox, and again no network request.
//
// Usage: node check.mjs page.html [more.html ...]
// Prints one JSON object per line per page ({file, ok, lang, csp, consoleErrors, pageErrors,
// requests, cspViolationCount, cspViolations, violations, minor, phone}) and exits with status 1 if any page has a problem, 2 on a
// usage error. phone = {width, scrollWidth, wide, charts, chartTextPx, requests}: wide lists
// the elements that stick out of the screen (outside any scrolling box), chartTextPx the
// smallest chart text as drawn on the phone, in CSS px (reported, not checked).
// Chromium: $CHROMIUM, else /usr/bin/chromium (Playwright never downloads a browser here).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BLOCKING = new Set(["serious", "critical"]);
const PHONE = { width: 390, height: 844 };
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

// Abort every request but the page itself and data: URLs; the list of what was asked for.
async function blockRequests(page, url) {
  const requests = [];
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
  return requests;
}

// Runs in the page: what sticks out of a screen `width` px wide, and how the charts are drawn.
function measureLayout(width) {
  const root = document.documentElement;
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body && p !== root; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim().split(/\s+/) : [];
    const id = el.id ? `#${el.id}` : "";
    return el.tagName.toLowerCase() + id + classes.filter(Boolean).map((c) => `.${c}`).join("");
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if ((box.right > width + 0.5 || box.left < -0.5) && box.width > 0 && !scrolls(el)) {
      wide.push(`${name(el)} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  let chartTextPx = null;
  const charts = [...document.querySelectorAll("figure.chart svg")].map((svg) => {
    const box = svg.getBoundingClientRect();
    const figure = svg.closest("figure").getBoundingClientRect();
    const view = svg.viewBox && svg.viewBox.baseVal;
    const ratio = view && view.width ? view.height / view.width : null;
    const scale = view && view.width ? box.width / view.width : null;
    for (const text of svg.querySelectorAll("text")) {
      const size = parseFloat(getComputedStyle(text).fontSize) * scale;
      if (scale && (chartTextPx === null || size < chartTextPx)) chartTextPx = size;
    }
    const fits =
      box.width <= figure.width + 0.5 &&
      box.right <= width + 0.5 &&
      box.width >= Math.min(figure.width, 720) - 1 && // 48rem: the widest a chart is drawn
      ratio !== null &&
      Math.abs(box.height / box.width - ratio) <= 0.01 * ratio;
    return { width: box.width, height: box.height, figure: figure.width, ratio, fits };
  });
  return {
    width,
    scrollWidth: root.scrollWidth,
    wide: wide.slice(0, 20),
    charts,
    chartTextPx: chartTextPx === null ? null : Math.round(chartTextPx * 100) / 100,
  };
}

// The page on a phone: mobile viewport, scripts off, offline.
async function checkPhone(browser, file) {
  const context = await browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: false,
    offline: true,
  });
  const page = await context.newPage();
  const url = pathToFileURL(resolve(file)).href;
  const requests = await blockRequests(page, url);
  await page.goto(url, { waitUntil: "load" });
  const layout = await page.evaluate(measureLayout, PHONE.width);
  await context.close();
  const ok =
    layout.scrollWidth <= PHONE.width &&
    layout.wide.length === 0 &&
    layout.charts.every((c) => c.fits) &&
    requests.length === 0;
  return { ...layout, requests, ok };
}

async function checkPage(browser, file) {
  const context = await browser.newContext({ javaScriptEnabled: true, offline: true });
  const page = await context.newPage();
  const url = pathToFileURL(resolve(file)).href;
  const consoleErrors = [];
  const pageErrors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  // before any of the page's own content: record what its CSP blocks (init scripts and
  // page.evaluate are the browser's, not the page's, so the CSP does not apply to them)
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI || "(inline)"}`);
    });
  });
  const requests = await blockRequests(page, url);
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
  const phone = await checkPhone(browser, file);
  const ok =
    consoleErrors.length === 0 &&
    pageErrors.length === 0 &&
    requests.length === 0 &&
    cspEvents.length === 0 &&
    violations.length === 0 &&
    (lang === "vi" || lang === "en") &&
    phone.ok;
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
    phone,
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
